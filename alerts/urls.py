from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("rota/", views.rota_page, name="rota"),
    path("rota/<slug:name>/publish/", views.rota_publish, name="rota-publish"),
    path("policies/", views.policies_page, name="policies"),
]
