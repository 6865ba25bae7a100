from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("<int:pk>/ack/", views.alert_ack, name="ack"),
    path("<int:pk>/resolve/", views.alert_resolve, name="resolve"),
    path("history/", views.history, name="history"),
    path("rota/", views.rota_page, name="rota"),
    path("rota/<slug:name>/publish/", views.rota_publish, name="rota-publish"),
    path("policies/", views.policies_page, name="policies"),
]
