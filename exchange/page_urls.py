from django.urls import path

from exchange import pages

app_name = "peers"
urlpatterns = [
    path("", pages.peers, name="list"),
    path("add/", pages.peer_add, name="add"),
    path("keys/<str:key_id>/distrust/", pages.key_distrust, name="key-distrust"),
    path("<str:country>/deactivate/", pages.peer_deactivate, name="deactivate"),
    path("<str:country>/refresh-keys/", pages.peer_refresh_keys, name="refresh-keys"),
]
