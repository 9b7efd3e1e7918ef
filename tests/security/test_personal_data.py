"""Personal data at rest: ID and phone numbers are stored only as ciphertext under the key from the
environment (one mechanism, portal.crypto), readable with the current, a previous or the apps' earlier
keys, found by a keyed hash, and never written to the audit log in clear."""

from __future__ import annotations

import base64
import hashlib
import importlib
import io
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.db import connection

from portal import audit, crypto
from portal.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"
PHONE = "13812345678"


def raw(sql: str, *params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def test_phone_numbers_are_encrypted_at_rest():
    user = UserFactory(phone=PHONE)
    stored = raw("SELECT phone FROM portal_user WHERE id = %s", user.pk)
    assert stored.startswith("gAAAAA") and PHONE not in stored
    assert User.objects.get(pk=user.pk).phone == PHONE
    assert audit.snapshot(user)["phone"] == "***"  # the audit log never holds it in clear


def test_phones_stored_in_clear_before_are_encrypted_by_the_migration():
    user = UserFactory()
    with connection.cursor() as cur:
        cur.execute("UPDATE portal_user SET phone = %s WHERE id = %s", [PHONE, user.pk])
    assert User.objects.get(pk=user.pk).phone == PHONE  # still readable meanwhile
    migration = importlib.import_module("portal.migrations.0003_encrypt_phone")
    migration.encrypt_existing(apps, SimpleNamespace(connection=connection))
    assert raw("SELECT phone FROM portal_user WHERE id = %s", user.pk).startswith("gAAAAA")
    assert User.objects.get(pk=user.pk).phone == PHONE


def test_talent_id_numbers_use_the_shared_mechanism():
    from talent.models import Person

    person = Person(name="张三")
    person.set_id_number(ID)
    person.save()
    stored = raw("SELECT id_number_encrypted FROM talent_person WHERE id = %s", person.pk)
    assert ID not in stored and crypto.decrypt(stored) == ID
    assert person.id_number_hash == crypto.blind_index(ID)
    assert person.id_number_masked == "110105********002X"
    assert Person.objects.get(pk=person.pk).reveal_id_number() == ID


def test_ip_enforcement_id_numbers_use_the_shared_mechanism():
    from ip_enforcement.models import Case

    case = Case()
    case.set_infringer_id_number(ID)
    assert ID.encode() not in bytes(case.infringer_id_number_encrypted)
    assert crypto.decrypt(case.infringer_id_number_encrypted) == ID
    assert case.infringer_id_number() == ID and case.infringer_id_number_masked == "110105********002X"


def test_tokens_of_earlier_and_previous_keys_still_decrypt(settings):
    for label in ("talent-fernet:", "ip_enforcement:"):  # the apps' own keys before portal.crypto
        legacy = Fernet(
            base64.urlsafe_b64encode(
                hashlib.sha256((label + settings.FIELD_ENCRYPTION_KEY).encode()).digest()
            )
        )
        assert crypto.decrypt(legacy.encrypt(ID.encode())) == ID
    old_token = crypto.encrypt(PHONE)
    old_key = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = "a-new-field-key-after-rotation-0123456789"
    settings.FIELD_ENCRYPTION_KEYS_PREVIOUS = old_key
    assert crypto.decrypt(old_token) == PHONE  # rotation: the previous key still reads
    new_token = crypto.encrypt(PHONE)
    settings.FIELD_ENCRYPTION_KEYS_PREVIOUS = ""
    assert crypto.decrypt(new_token) == PHONE
    with pytest.raises(Exception):  # noqa: B017  without the old key the old token is unreadable
        crypto.decrypt(old_token)


def test_log_lines_never_carry_id_or_phone_numbers():
    import logging

    from portal.logging import RequestContextFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "person %s phone %s", (ID, PHONE), None)
    assert RequestContextFilter().filter(record)
    line = record.getMessage()
    assert ID not in line and PHONE not in line
    assert "110105********002X" in line and "138****5678" in line


def _stored(table: str, column: str, pk: int) -> str:
    return raw(f'SELECT "{column}" FROM "{table}" WHERE id = %s', pk)


def test_contact_numbers_of_listings_people_and_providers_are_encrypted_at_rest():
    from talent.models import Person
    from tests.transfer.factories import ListingFactory
    from tests.vouchers.factories import make_provider

    listing = ListingFactory(contact_phone=PHONE)
    person = Person(name="李四", contact=PHONE)
    person.set_id_number(ID)
    person.save()
    provider, _, _ = make_provider()
    provider.contact = f"王老师 {PHONE}"
    provider.save(update_fields=["contact"])
    for obj, table, column in (
        (listing, "transfer_listing", "contact_phone"),
        (person, "talent_person", "contact"),
        (provider, "vouchers_provider", "contact"),
    ):
        stored = _stored(table, column, obj.pk)
        assert stored.startswith("gAAAAA") and PHONE not in stored, table
        assert PHONE in getattr(type(obj).objects.get(pk=obj.pk), column)
        assert audit.snapshot(obj)[column] == "***"  # encrypted fields never reach the audit log in clear


def test_the_contact_migrations_encrypt_values_stored_in_clear():
    from tests.transfer.factories import ListingFactory

    listing = ListingFactory()
    with connection.cursor() as cur:
        cur.execute("UPDATE transfer_listing SET contact_phone = %s WHERE id = %s", [PHONE, listing.pk])
    migration = importlib.import_module("transfer.migrations.0003_encrypt_listing_contact_phone")
    migration.encrypt_existing(apps, SimpleNamespace(connection=connection))
    assert _stored("transfer_listing", "contact_phone", listing.pk).startswith("gAAAAA")
    migration.encrypt_existing(
        apps, SimpleNamespace(connection=connection)
    )  # idempotent: a token is not encrypted twice
    assert type(listing).objects.get(pk=listing.pk).contact_phone == PHONE


def test_rotating_the_key_re_encrypts_every_column_and_keeps_the_look_up_hashes(settings):
    from django.core.management import call_command

    from ip_enforcement.models import Case
    from talent.models import Person
    from tests.ip_enforcement.factories import ip_officer, make_case

    user = UserFactory(phone=PHONE)
    person = Person(name="张三", contact=PHONE)
    person.set_id_number(ID)
    person.save()
    case = make_case(ip_officer())
    case.set_infringer_id_number(ID)
    case.save()
    hash_before = person.id_number_hash
    old_key = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = "the-new-field-key-after-rotation-0123456789"
    settings.FIELD_ENCRYPTION_KEYS_PREVIOUS = old_key
    settings.FIELD_INDEX_KEY = old_key  # the index key stays, as the README's rotation steps say
    call_command("rotate_field_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS_PREVIOUS = ""  # the old key is gone: everything must still read
    assert User.objects.get(pk=user.pk).phone == PHONE
    person = Person.objects.get(pk=person.pk)
    assert person.reveal_id_number() == ID and person.contact == PHONE
    assert Case.objects.get(pk=case.pk).infringer_id_number() == ID
    assert crypto.blind_index(ID) == hash_before  # look-ups by ID number still find the person
    from portal.models import AuditEntry

    assert AuditEntry.objects.filter(message__startswith="field encryption key rotated").exists()


def test_rotation_refuses_to_run_without_an_index_key_and_reports_unreadable_values(settings):
    from django.core.management import CommandError, call_command

    settings.FIELD_ENCRYPTION_KEYS_PREVIOUS = "an-old-key-0123456789-0123456789"
    settings.FIELD_INDEX_KEY = ""
    with pytest.raises(CommandError, match="FIELD_INDEX_KEY"):
        call_command("rotate_field_key")

    settings.FIELD_INDEX_KEY = settings.FIELD_ENCRYPTION_KEY
    good, broken = UserFactory(phone=PHONE), UserFactory()
    lost = Fernet(Fernet.generate_key()).encrypt(b"13900000000").decode()  # a key nobody has any more
    with connection.cursor() as cur:
        cur.execute("UPDATE portal_user SET phone = %s WHERE id = %s", [lost, broken.pk])
    before = raw("SELECT phone FROM portal_user WHERE id = %s", good.pk)
    with pytest.raises(CommandError, match="keep the previous keys"):
        call_command("rotate_field_key", stdout=io.StringIO())
    assert raw("SELECT phone FROM portal_user WHERE id = %s", good.pk) != before  # the rest went on
    assert User.objects.get(pk=good.pk).phone == PHONE
    assert raw("SELECT phone FROM portal_user WHERE id = %s", broken.pk) == lost  # left untouched
