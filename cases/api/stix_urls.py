from django.urls import path

from cases.api import stix_views as v

urlpatterns = [
    path("cases/<int:pk>/stix/", v.CaseStixApi.as_view(), name="cases-api-stix"),
    path("takedowns/<int:pk>/stix/", v.TakedownStixApi.as_view(), name="takedowns-api-stix"),
]
