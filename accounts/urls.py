from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password-change"),
    path("logout-everywhere/", views.logout_everywhere, name="logout-everywhere"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("totp/verify/", views.totp_verify, name="totp-verify"),
    path("totp/enrol/", views.totp_enrol, name="totp-enrol"),
]
