from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from net247 import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("federation/v1/", include("exchange.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/schema/ui/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="schema-ui"
    ),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("legal_map.api.urls")),
    path("api/v1/", include("cases.api.urls")),
    path("api/v1/", include("alerts.api.urls")),
    path("api/v1/blocking/", include("cases.blocking.urls")),
    path("api/v1/", include("cases.api.stix_urls")),
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("legal-map/", include("legal_map.urls")),
    path("cases/", include("cases.urls")),
    path("alerts/", include("alerts.urls")),
    path("peers/", include("exchange.page_urls")),
    path("admin/", admin.site.urls),
]

# Styled pages with the site's navigation (JSON under /api/ and /federation/).
handler403 = "net247.views.error_403"
handler404 = "net247.views.error_404"
handler500 = "net247.views.error_500"
