"""Personal data at rest: ID and phone numbers are stored only as ciphertext under the key from the
environment (one mechanism, portal.crypto), readable with the current, a previous or the apps' earlier
keys, found by a keyed hash, and never written to the audit log in clear."""

from __future__ import annotations

import base64
import hashlib
import importlib

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
    migration.encrypt_existing(apps, None)
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
