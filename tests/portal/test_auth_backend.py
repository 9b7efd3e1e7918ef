"""The session's user comes with their organization and roles: a request's policies read its province
and roles without another query, and a role taken away counts from the next request."""

import pytest
from django.urls import reverse

from portal.backends import PortalModelBackend
from portal.models import Membership, Role
from tests.factories import official

pytestmark = pytest.mark.django_db


def test_the_signed_in_user_is_loaded_with_the_organization(django_assert_num_queries):
    user = official("120000")
    with django_assert_num_queries(1):
        loaded = PortalModelBackend().get_user(user.pk)
    with django_assert_num_queries(0):
        assert loaded.province_id == "120000"
        assert loaded.organization.name == user.organization.name
        assert loaded.role_set == frozenset({Role.AGENCY_OFFICER})
        assert loaded.has_role(Role.AGENCY_OFFICER)


def test_a_role_taken_away_counts_from_the_next_request(client):
    user = official("120000")
    client.force_login(user)
    assert client.get(reverse("dashboard:cockpit")).status_code == 200
    Membership.objects.filter(user=user).delete()
    assert client.get(reverse("dashboard:cockpit")).status_code == 403


def test_an_inactive_or_missing_user_is_not_loaded():
    user = official("110000")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert PortalModelBackend().get_user(user.pk) is None
    assert PortalModelBackend().get_user(10**9) is None


def test_a_signed_in_request_goes_through_this_backend(client):
    user = official("130000")
    client.force_login(user, backend="portal.backends.PortalModelBackend")
    assert client.get("/").status_code == 200
    assert client.session["_auth_user_backend"] == "portal.backends.PortalModelBackend"


def test_a_session_signed_in_through_djangos_backend_still_works(client):
    user = official("120000")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/").status_code == 200
    assert client.get("/").wsgi_request.user.pk == user.pk
