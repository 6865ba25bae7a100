from django.urls import URLPattern

app_name = "legal_map"
urlpatterns: list[URLPattern] = []
