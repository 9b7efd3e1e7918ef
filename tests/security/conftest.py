"""Fixtures for the security tests: the administrators and officials of two regions, and sign-in with
the second factor computed from the device's key (as an authenticator app would)."""

from __future__ import annotations

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import Role
from tests.factories import PASSWORD, UserFactory, member, official


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def password_login(client, user, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": user.username, "password": password})


def full_login(client, user) -> None:
    """Password, then the TOTP code of the user's confirmed device."""
    assert password_login(client, user).status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    resp = client.post("/accounts/otp/verify/", {"token": totp_code(device), "next": "/"})
    assert resp.status_code == 302 and resp["Location"] == "/", resp.content[:500]


@pytest.fixture
def otp_on(settings):
    settings.OTP_REQUIRED = True
    return settings


@pytest.fixture
def system_admin(db):
    return UserFactory(roles=[Role.PLATFORM_ADMIN], is_staff=True)


@pytest.fixture
def security_admin(db):
    return UserFactory(roles=[Role.SECURITY_ADMIN], is_staff=True)


@pytest.fixture
def audit_admin(db):
    return UserFactory(roles=[Role.AUDITOR], is_staff=True)


@pytest.fixture
def bj_coordinator(db):
    return official("110000", coordinator=True)


@pytest.fixture
def tj_officer(db):
    return official("120000")


@pytest.fixture
def bj_member(db):
    return member("110000")


def with_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


# the core's worked example (tests/testapp): an applicant's ticket to a Beijing agency
from tests.portal.conftest import applicant, bj_agency, bj_officer, ticket  # noqa: E402, F401
