from django.urls import path

from alerts.api import views

urlpatterns = [
    path("alerts/", views.AlertListApi.as_view(), name="alerts-list"),
    path("alerts/ws-ticket/", views.WsTicketApi.as_view(), name="alerts-ws-ticket"),
    path("alerts/on-call/", views.OnCallApi.as_view(), name="alerts-on-call"),
    path("alerts/<int:pk>/", views.AlertDetailApi.as_view(), name="alerts-detail"),
    path("alerts/<int:pk>/ack/", views.AlertAckApi.as_view(), name="alerts-ack"),
    path("alerts/<int:pk>/resolve/", views.AlertResolveApi.as_view(), name="alerts-resolve"),
]
