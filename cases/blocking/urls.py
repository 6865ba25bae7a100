from django.urls import path

from cases.blocking import views as v

urlpatterns = [
    path("feed.json", v.FeedApi.as_view(fmt="json"), name="blocking-feed-json"),
    path("feed.csv", v.FeedApi.as_view(fmt="csv"), name="blocking-feed-csv"),
    path("feed.rpz", v.FeedRpzApi.as_view(), name="blocking-feed-rpz"),
    path(
        "entries/<int:cursor>/confirm/",
        v.EntryConfirmApi.as_view(),
        name="blocking-entry-confirm",
    ),
]
