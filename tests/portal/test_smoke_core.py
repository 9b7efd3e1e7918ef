import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from portal import audit
from portal.models import AuditEntry, Region
from portal.validators import validate_uscc
from tests.factories import official


@pytest.mark.django_db
def test_regions_are_loaded_with_their_province():
    assert Region.objects.get(pk="130600").province_id == "130000"
    xiongan = Region.objects.get(pk="XIONGAN")
    assert sorted(xiongan.members.values_list("code", flat=True)) == ["130629", "130632", "130638"]


@pytest.mark.django_db
def test_audit_log_refuses_update_and_delete():
    user = official("120000")
    entry = audit.record(audit.AuditAction.VIEW, user, actor=user)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(message="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("TRUNCATE portal_auditentry")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE portal_auditentry SET actor_name = 'someone else'")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM portal_auditentry")
    assert AuditEntry.objects.get(pk=entry.pk).message == ""


def test_uscc_worked_example():
    validate_uscc("91350100M000100Y43")
