"""The URLs these tests need, at the same paths as the site (config.urls): the core's pages and API,
and this app's. Kept apart from the other apps' URLs so that work in progress there cannot break
these tests; test_site_urls.py checks the same paths resolve in the whole site's URLconf."""

from django.urls import include, path

api_v1 = [
    path("", include("portal.api.urls")),
    path("ip/", include("ip_enforcement.api.urls")),
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("ip/", include("ip_enforcement.urls")),
    path("", include("portal.urls")),
]
