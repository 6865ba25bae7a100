from django.urls import URLPattern, path

from audit import views

app_name = "audit"
urlpatterns: list[URLPattern] = [
    path("", views.log, name="log"),
    path("export.csv", views.export, name="export"),
]
