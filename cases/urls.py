from django.urls import path

from cases import takedown_views, views
from cases.blocking import pages as blocking_pages

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/notify/", views.case_notify, name="notify"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/match/", views.case_match, name="match"),
    path("<int:pk>/status/", views.case_status, name="status"),
    path("<int:pk>/print/", views.case_print, name="print"),
    path("inbound/", views.inbound_list, name="inbound"),
    path("inbound/<int:pk>/", views.inbound_detail, name="inbound-detail"),
    path("inbound/<int:pk>/assign/", views.inbound_assign, name="inbound-assign"),
    path("inbound/<int:pk>/act/", views.inbound_act, name="inbound-act"),
    path("threads/<uuid:thread>/", views.thread, name="thread"),
    path("threads/<uuid:thread>/reply/", views.thread_reply, name="thread-reply"),
    path("takedowns/", takedown_views.takedown_list, name="takedowns"),
    path("takedowns/new/", takedown_views.takedown_create, name="takedown-create"),
    path("takedowns/<int:pk>/chase/", takedown_views.takedown_chase, name="takedown-chase"),
    path("takedowns/statistics/", takedown_views.takedown_statistics, name="takedown-statistics"),
    path("takedowns/<int:pk>/", takedown_views.takedown_detail, name="takedown-detail"),
    path("mirrors/<int:pk>/join/", takedown_views.proposal_join, name="mirror-join"),
    path("blocking/", blocking_pages.blocking, name="blocking"),
    path("blocking/<int:pk>/revoke/", blocking_pages.registry_revoke, name="registry-revoke"),
]
