"""Login lockout, session limits, strong passwords, and the separation of the administrator roles."""

import time

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from portal.models import AuditAction, AuditEntry
from tests.factories import PASSWORD, UserFactory


@pytest.mark.django_db
def test_lockout_after_five_failures(client, applicant):
    for attempt in range(1, 6):
        resp = client.post("/accounts/login/", {"username": applicant.username, "password": "wrong-Pass-1"})
        # the form again with an error, until the fifth failure locks the account
        assert resp.status_code == (200 if attempt < 5 else 429)
    locked = client.post("/accounts/login/", {"username": applicant.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() >= 5
    # another account from the same address is not locked
    other = UserFactory()
    ok = client.post("/accounts/login/", {"username": other.username, "password": PASSWORD})
    assert ok.status_code == 302


def test_session_limits_are_configured():
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_REFRESH_SECONDS <= 60
    assert settings.SESSION_ABSOLUTE_AGE == 12 * 3600
    assert settings.AXES_FAILURE_LIMIT == 5


@pytest.mark.django_db
def test_session_expires_after_its_absolute_age(client, applicant):
    client.force_login(applicant)
    assert client.get("/").status_code == 200
    session = client.session
    session["portal_login_at"] = time.time() - settings.SESSION_ABSOLUTE_AGE - 1
    session.save()
    resp = client.get("/")
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert client.get("/api/v1/organizations/").status_code in (401, 403)


@pytest.mark.django_db
def test_strong_passwords():
    for weak in ("short1A!", "alllowercaseletters", "123456789012"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Jing-Jin-Ji-2026")


@pytest.mark.django_db
def test_platform_admin_cannot_read_the_audit_log(client, platform_admin, auditor):
    client.force_login(platform_admin)
    assert client.get("/admin/portal/user/").status_code == 200
    assert client.get("/admin/portal/auditentry/").status_code == 403
    assert "auditentry" not in client.get("/admin/").content.decode()
    assert client.get("/audit/").status_code == 404
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor=platform_admin, message="audit log"
    ).exists()
    from tests.conftest import api_as

    assert api_as(platform_admin).get("/api/v1/audit-entries/").json()["results"] == []


@pytest.mark.django_db
def test_auditor_reads_the_log_read_only(client, auditor, applicant):
    auditor.is_staff = True
    auditor.save()
    client.force_login(auditor)
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN).first() or AuditEntry.objects.first()
    assert client.get("/admin/portal/auditentry/").status_code == 200
    assert client.get("/admin/portal/auditentry/add/").status_code == 403
    assert client.get("/admin/portal/user/").status_code == 403  # cannot administer users
    if entry is not None:
        assert client.get(f"/admin/portal/auditentry/{entry.pk}/change/").status_code == 200
        assert client.post(f"/admin/portal/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/audit/").status_code == 200


@pytest.mark.django_db
def test_idle_session_ends(client, applicant):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(applicant)
    resp = client.get("/")
    assert resp.status_code == 200
    key = client.session.session_key
    expiry = Session.objects.get(pk=key).expire_date
    # each request pushes the expiry 30 minutes ahead; 30 idle minutes later it has passed
    assert abs((expiry - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 60
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    assert client.get("/").status_code == 302
