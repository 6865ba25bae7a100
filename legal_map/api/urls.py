from django.urls import URLPattern, path

from legal_map.api import views

urlpatterns: list[URLPattern] = [
    path("legal-map/compare", views.CompareApi.as_view(), name="legal-map-compare"),
    path("legal-map/compare/", views.CompareApi.as_view()),
    path("legal-map/offences/", views.OffenceListApi.as_view(), name="legal-map-offences"),
    path(
        "legal-map/offences/<str:pk>/",
        views.OffenceDetailApi.as_view(),
        name="legal-map-offence",
    ),
    path("legal-map/facts/", views.FactListApi.as_view(), name="legal-map-facts"),
]
