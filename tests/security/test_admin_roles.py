"""Three separated administrators (system, security, audit): none can do another's work. The audit log is
kept (at least 180 days: nothing in the application deletes it) and no application role can change it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError

from portal.models import AuditAction, AuditEntry
from tests.conftest import api_as
from tests.factories import member

pytestmark = pytest.mark.django_db

SYSTEM = [
    "/admin/portal/user/",
    "/admin/portal/organization/",
    "/admin/portal/deadlinerule/",
    "/admin/portal/holiday/",
]
SYSTEM += ["/admin/transfer/listing/", "/admin/talent/person/", "/admin/django_celery_beat/periodictask/"]
SECURITY = [
    "/admin/axes/accessattempt/",
    "/admin/axes/accessfailurelog/",
    "/admin/sessions/session/",
    "/admin/otp_totp/totpdevice/",
    "/admin/oauth2_provider/application/",
    "/admin/oauth2_provider/accesstoken/",
]
AUDIT = ["/admin/portal/auditentry/"]
ALL = {"system_admin": SYSTEM, "security_admin": SECURITY, "audit_admin": AUDIT}


@pytest.mark.parametrize("role", sorted(ALL))
def test_each_administrator_sees_only_their_own_admin_pages(request, client, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    index = client.get("/admin/").content.decode()
    for owner, urls in ALL.items():
        for url in urls:
            expected = 200 if owner == role else 403
            assert client.get(url).status_code == expected, (role, url)
            assert (url in index) == (owner == role), (role, url)
    # the business records' changes are the system administrator's alone
    add = client.get("/admin/portal/user/add/").status_code
    assert add == (200 if role == "system_admin" else 403)


def test_security_admin_unlocks_a_locked_account(client, security_admin):
    from axes.models import AccessAttempt

    user = member("110000")
    for _ in range(5):
        client.post("/accounts/login/", {"username": user.username, "password": "Wrong-password-1"})
    attempt = AccessAttempt.objects.get(username=user.username)
    client.force_login(security_admin)
    resp = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert resp.status_code == 302 and not AccessAttempt.objects.exists()


def test_security_admin_resets_a_device_and_ends_a_session(client, security_admin, bj_coordinator):
    from django.contrib.sessions.models import Session

    from .conftest import with_device

    device = with_device(bj_coordinator)
    other = type(client)()
    other.force_login(bj_coordinator)
    key = other.session.session_key
    client.force_login(security_admin)
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page  # the key is never shown
    assert client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}).status_code == 302
    assert client.post(f"/admin/sessions/session/{key}/delete/", {"post": "yes"}).status_code == 302
    assert not Session.objects.filter(pk=key).exists()


def test_only_the_auditor_reads_and_exports_the_log(client, system_admin, security_admin, audit_admin):
    AuditEntry.objects.create(action=AuditAction.LOGIN, actor_name="someone", object_repr="x")
    for user in (system_admin, security_admin):
        client.force_login(user)
        assert client.get("/audit/").status_code == 404
        assert client.get("/audit/?export=xlsx").status_code == 404
        assert api_as(user).get("/api/v1/audit-entries/").json()["results"] == []
    client.force_login(audit_admin)
    assert client.get("/audit/").status_code == 200
    export = client.get("/audit/?export=xlsx")
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    assert api_as(audit_admin).get("/api/v1/audit-entries/").json()["results"]
    # the auditor changes nothing: not the log, not users, not records
    entry = AuditEntry.objects.first()
    assert client.post(f"/admin/portal/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/portal/auditentry/{entry.pk}/change/", {"message": "x"}).status_code == 403
    api = api_as(audit_admin)
    assert api.delete(f"/api/v1/audit-entries/{entry.pk}/").status_code in (403, 405)
    assert api.patch(f"/api/v1/audit-entries/{entry.pk}/", {"message": "x"}, format="json").status_code in (
        403,
        405,
    )
    assert api.post("/api/v1/organizations/", {"name": "x"}, format="json").status_code in (400, 403, 405)


def test_audit_entries_cannot_be_changed_or_deleted_by_the_database_role():
    """PostgreSQL refuses UPDATE, DELETE and TRUNCATE on the log whatever the code does, so entries stay for
    the retention period (at least 180 days; nothing purges them)."""
    entry = AuditEntry.objects.create(action=AuditAction.LOGIN, actor_name="kept", object_repr="x")
    for statement in (
        f"UPDATE portal_auditentry SET message = 'changed' WHERE id = {entry.pk}",
        f"DELETE FROM portal_auditentry WHERE id = {entry.pk}",
        "TRUNCATE portal_auditentry",
    ):
        with (
            pytest.raises((InternalError, ProgrammingError)),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(statement)
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(message="changed")
    entry.refresh_from_db()
    assert entry.message == ""


def test_no_code_path_deletes_audit_entries():
    """Retention: no module of the project deletes or purges audit entries (the 180-day minimum is kept
    by keeping everything)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(
        r"AuditEntry\.objects[^\n]*\.(delete|update)\(|portal_auditentry[^\n]*(DELETE|TRUNCATE)"
    )
    offenders = []
    for app in ("portal", "cooperation", "transfer", "talent", "vouchers", "ip_enforcement", "config"):
        for path in (root / app).rglob("*.py"):
            if pattern.search(path.read_text(encoding="utf-8")) and "migrations" not in path.parts:
                offenders.append(str(path))
    assert offenders == []


def test_the_auditor_reads_the_voucher_ledger_of_every_region_and_no_other_business_record(audit_admin):
    """Decision: the ledger is the money trail an auditor checks (art. 15, funds used across regions), so
    the audit administrator reads all of it; it is read-only for everyone, and the vouchers, claims and
    applications themselves stay with the regions' officials."""
    from tests.vouchers.factories import make_programme
    from vouchers.models import LedgerEntry

    make_programme("130000")
    make_programme("110000")
    expected = set(LedgerEntry.objects.values_list("pk", flat=True))
    assert len(set(LedgerEntry.objects.values_list("programme__region_id", flat=True))) == 2
    api = api_as(audit_admin)
    rows = api.get("/api/v1/vouchers/ledger/").json()["results"]
    assert {r["id"] for r in rows} == expected
    first = rows[0]["id"]
    assert api.post("/api/v1/vouchers/ledger/", {"amount": "1"}, format="json").status_code in (403, 405)
    assert api.delete(f"/api/v1/vouchers/ledger/{first}/").status_code in (403, 405)
    for other in ("vouchers", "claims", "applications", "settlements"):  # programmes are public
        assert api.get(f"/api/v1/vouchers/{other}/").json()["results"] == [], other
