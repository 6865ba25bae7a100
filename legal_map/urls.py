from django.urls import URLPattern, path

from legal_map import views

app_name = "legal_map"
urlpatterns: list[URLPattern] = [
    path("", views.explorer, name="explorer"),
    path("curation/", views.curation, name="curation"),
    path("curation/<int:pk>/revoke/", views.curation_revoke, name="curation-revoke"),
]
