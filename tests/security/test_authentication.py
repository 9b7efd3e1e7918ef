"""Authentication as MLPS level 3 asks: TOTP second factor for administrators, auditors and coordinators,
lockout after 5 failures in 15 minutes, idle (30 min) and absolute (12 h) session limits, 12-character
passwords checked against the common-password list, and password expiry for officials."""

from __future__ import annotations

import base64
import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import Application
from rest_framework.test import APIClient

from portal.models import AuditAction, AuditEntry, Role
from tests.factories import PASSWORD, UserFactory, member, official

from .conftest import full_login, password_login, totp_code, with_device

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations/"


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "audit_admin", "bj_coordinator"])
def test_second_factor_is_set_up_then_required(request, client, otp_on, role):
    user = request.getfixturevalue(role)
    assert password_login(client, user).status_code == 302
    # signed in with the password only: every page sends to the set-up, the API refuses
    resp = client.get("/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/otp/setup/")
    api = client.get(API)
    assert api.status_code == 403 and api.json()["error"]["code"] == "otp_required"
    assert client.get("/admin/").status_code == 302

    page = client.get("/accounts/otp/setup/?next=/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code, served inline
    secret = re.search(r"data-otp-secret>([A-Z2-7=]+)<", html).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert base64.b32decode(secret) == device.bin_key
    wrong = client.post(
        "/accounts/otp/setup/", {"token": "000000" if totp_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and client.get(API).status_code == 403
    # a refused code throttles the device (1 s, doubling); the user waits that long before the next try
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    ok = client.post("/accounts/otp/setup/", {"token": totp_code(device), "next": "/"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert client.get(API).status_code == 200

    # the next sign-in asks for the code of the confirmed device
    client.logout()
    assert password_login(client, user).status_code == 302
    resp = client.get("/tasks/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/otp/verify/")
    assert client.post("/accounts/otp/verify/", {"token": "12345"}).status_code == 200  # malformed
    assert client.get(API).status_code == 403
    assert (
        client.post("/accounts/otp/verify/", {"token": totp_code(device, offset_steps=1), "next": "/tasks/"})[
            "Location"
        ]
        == "/tasks/"
    )
    assert client.get("/tasks/").status_code == 200


def test_a_refused_code_is_audited_and_other_roles_need_no_second_factor(client, otp_on, bj_coordinator):
    device = with_device(bj_coordinator)
    password_login(client, bj_coordinator)
    bad = f"{(int(totp_code(device)) + 500000) % 1000000:06d}"
    assert client.post("/accounts/otp/verify/", {"token": bad}).status_code == 200
    assert AuditEntry.objects.filter(
        action=AuditAction.LOGIN_FAILED, actor=bj_coordinator, message="TOTP code refused"
    ).exists()
    assert client.get("/").status_code == 302
    for user in (official("120000"), member("130000")):
        other = type(client)()
        assert password_login(other, user).status_code == 302
        assert other.get("/").status_code == 200
        assert other.get(API).status_code == 200


def test_partner_tokens_are_not_asked_for_a_second_factor(otp_on):
    system = UserFactory(roles=[Role.PARTNER_SYSTEM, Role.REGION_COORDINATOR])
    secret = "partner-secret-0123456789-abcdef"
    app = Application.objects.create(
        name="partner",
        user=system,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
    )
    basic = base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()
    token = APIClient().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "read"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert token.status_code == 200
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    assert client.get(API).status_code == 200


def test_lockout_after_five_failures_within_fifteen_minutes(client):
    assert settings.AXES_FAILURE_LIMIT == 5 and timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    user = member("110000")
    for attempt in range(1, 6):
        resp = client.post("/accounts/login/", {"username": user.username, "password": "Wrong-password-1"})
        assert resp.status_code == (200 if attempt < 5 else 429)
    assert password_login(client, user).status_code == 429  # even the right password, for 15 minutes
    from axes.models import AccessAttempt

    # after the cool-off the account opens again
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert password_login(client, user).status_code == 302


def test_idle_timeout_and_absolute_session_age(client):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_REFRESH_SECONDS == 60
    assert settings.SESSION_ABSOLUTE_AGE == 12 * 3600
    user = member("110000")
    password_login(client, user)
    assert client.get("/").status_code == 200
    key = client.session.session_key
    expiry = Session.objects.get(pk=key).expire_date
    assert abs((expiry - timezone.now()).total_seconds() - 30 * 60) < 60
    # activity pushes the expiry back, at most once a minute (no write on every request)
    session = client.session
    session["portal_seen_at"] = time.time() - 61
    session.save()
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get("/").status_code == 200
    expiry = Session.objects.get(pk=key).expire_date
    assert abs((expiry - timezone.now()).total_seconds() - 30 * 60) < 60  # refreshed by the activity
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get("/").status_code == 200
    expiry = Session.objects.get(pk=key).expire_date
    assert (expiry - timezone.now()).total_seconds() < 6 * 60  # within the minute: not written again
    Session.objects.filter(pk=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )  # 30 idle minutes
    assert client.get("/")["Location"].startswith("/accounts/login/")

    password_login(client, user)
    session = client.session
    session["portal_login_at"] = time.time() - 12 * 3600 - 1  # active all along, but 12 hours old
    session.save()
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert client.get(API).status_code in (401, 403)


def test_passwords_of_twelve_characters_not_on_the_common_list():
    for weak in ("Short-Pw-1!", "qwerty123456", "password1234", "1qaz2wsx3edc", "alllowercaseletters"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Jing-Jin-Ji-2026")


def test_expired_password_of_an_official_must_be_changed(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS_OFFICIALS = 90
    officer = official("110000")
    officer.password_changed_at = timezone.now() - timedelta(days=91)
    officer.save(update_fields=["password_changed_at"])
    password_login(client, officer)
    resp = client.get("/inbox/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/password/change/")
    api = client.get(API)
    assert api.status_code == 403 and api.json()["error"]["code"] == "password_expired"
    assert client.get("/accounts/password/change/").status_code == 200
    weak = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "password1234", "new_password2": "password1234"},
    )
    assert weak.status_code == 200  # the common password is refused
    done = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Xin-Mima-2026-jjj",
            "new_password2": "Xin-Mima-2026-jjj",
        },
    )
    assert done.status_code == 302
    officer.refresh_from_db()
    assert timezone.now() - officer.password_changed_at < timedelta(minutes=1)
    assert client.get("/inbox/").status_code == 200

    # members' passwords do not expire; 0 turns expiry off for officials
    old_member = member("110000")
    old_member.password_changed_at = timezone.now() - timedelta(days=400)
    old_member.save(update_fields=["password_changed_at"])
    other = type(client)()
    password_login(other, old_member)
    assert other.get("/inbox/").status_code == 200
    settings.PASSWORD_MAX_AGE_DAYS_OFFICIALS = 0
    officer.password_changed_at = timezone.now() - timedelta(days=1000)
    officer.save(update_fields=["password_changed_at"])
    assert client.get("/inbox/").status_code == 200


def test_demo_login_with_the_documented_key(client, otp_on):
    """seed_demo's administrators carry a device with the documented key; signing in with it works."""
    from portal.management.commands.seed_demo import DEMO_OTP_KEY_HEX, demo_otp_secret

    admin = UserFactory(roles=[Role.AUDITOR], is_staff=True)
    device = TOTPDevice.objects.create(user=admin, name="demo", key=DEMO_OTP_KEY_HEX, confirmed=True)
    assert base64.b32decode(demo_otp_secret()) == device.bin_key
    full_login(client, admin)
    assert client.get("/audit/").status_code == 200
