from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.views import healthz

api_v1 = [
    path("", include("portal.api.urls")),
    path("cooperation/", include("cooperation.api.urls")),
    path("transfer/", include("transfer.api.urls")),
    path("talent/", include("talent.api.urls")),
    path("vouchers/", include("vouchers.api.urls")),
    path("ip/", include("ip_enforcement.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("cooperation/", include("cooperation.urls")),
    path("transfer/", include("transfer.urls")),
    path("talent/", include("talent.urls")),
    path("vouchers/", include("vouchers.urls")),
    path("ip/", include("ip_enforcement.urls")),
    path("dashboard/", include("portal.dashboard_urls")),
    path("", include("portal.urls")),
]
