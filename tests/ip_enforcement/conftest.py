import pytest

from .factories import ip_agency, ip_officer


@pytest.fixture
def bj():
    """An officer of a Beijing IP agency (the referring side)."""
    return ip_officer("110000")


@pytest.fixture
def tj():
    """An officer of a Tianjin IP agency (the receiving side)."""
    return ip_officer("120000")


@pytest.fixture
def hb():
    """An officer of a Hebei IP agency, not involved in anything."""
    return ip_officer("130000")


@pytest.fixture
def hb_agency():
    return ip_agency("130000")


@pytest.fixture(autouse=True)
def _ip_urls(settings):
    settings.ROOT_URLCONF = "tests.ip_enforcement.urls"
