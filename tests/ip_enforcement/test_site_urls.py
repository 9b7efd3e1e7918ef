"""The paths these tests use are those of the whole site's URLconf."""

from django.urls import resolve

from config import urls as site_urls  # noqa: F401  (imports the site's URLconf)


def test_app_paths_resolve_in_the_site_urlconf(settings):
    settings.ROOT_URLCONF = "config.urls"
    assert resolve("/ip/referrals/1/").url_name == "referral_detail"
    assert resolve("/api/v1/ip/referrals/").url_name == "ip-referral-list"
    assert resolve("/api/v1/ip/evidence/1/download/").url_name == "ip-evidence-download"
