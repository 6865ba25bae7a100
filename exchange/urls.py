from django.urls import path

from exchange import views

app_name = "federation"
urlpatterns = [
    path("inbox", views.inbox_view, name="inbox"),
    path("keys", views.keys_view, name="keys"),
    path("audit/witnessed/<str:origin>", views.witnessed_view, name="witnessed"),
]
