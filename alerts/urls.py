from django.urls import path

from alerts import rota_views, views

app_name = "alerts"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("<int:pk>/ack/", views.alert_ack, name="ack"),
    path("<int:pk>/resolve/", views.alert_resolve, name="resolve"),
    path("history/", views.history, name="history"),
    path("rota/", rota_views.rota_page, name="rota"),
    path("rota/new/", rota_views.schedule_new, name="rota-new"),
    path("rota/reach/", rota_views.reach_page, name="reach"),
    path(
        "rota/reach/channels/<int:pk>/remove/",
        rota_views.channel_remove,
        name="channel-remove",
    ),
    path("rota/<slug:name>/publish/", rota_views.rota_publish, name="rota-publish"),
    path("rota/<slug:name>/rotations/new/", rota_views.layer_edit, name="layer-new"),
    path("rota/<slug:name>/rotations/<int:pk>/", rota_views.layer_edit, name="layer-edit"),
    path(
        "rota/<slug:name>/rotations/<int:pk>/delete/",
        rota_views.layer_delete,
        name="layer-delete",
    ),
    path("rota/<slug:name>/overrides/new/", rota_views.override_edit, name="override-new"),
    path("rota/<slug:name>/overrides/<int:pk>/", rota_views.override_edit, name="override-edit"),
    path(
        "rota/<slug:name>/overrides/<int:pk>/delete/",
        rota_views.override_delete,
        name="override-delete",
    ),
    path("policies/", rota_views.policies_page, name="policies"),
    path("policies/<slug:urgency>/", rota_views.policy_edit, name="policy-edit"),
]
