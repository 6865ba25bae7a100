from django.urls import path

from accounts.api.views import MeApi

urlpatterns = [
    path("accounts/me", MeApi.as_view(), name="accounts-me"),
]
