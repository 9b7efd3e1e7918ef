"""Personal data at rest: the one mechanism every app uses for ID and phone numbers (PIPL, MLPS level 3).

- ``encrypt``/``decrypt``: Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from
  ``settings.FIELD_ENCRYPTION_KEY`` (from the environment; production refuses to start without it).
  Older keys listed in ``FIELD_ENCRYPTION_KEYS_PREVIOUS`` (comma-separated) still decrypt, so the key
  can be rotated; the tokens written by the apps' earlier per-app keys decrypt too.
- ``blind_index``: a keyed hash (HMAC-SHA256) to find a row by its number without storing it in clear,
  under ``settings.FIELD_INDEX_KEY`` (default: the encryption key of the first deployment). It is a
  separate key so that rotating the encryption key never invalidates the stored hashes: the registry
  keeps only hashes, which could not be recomputed.
- ``encrypted_columns``/``encrypt_in_place``/``rotate_all``: every column that holds ciphertext
  (``EncryptedCharField``, and by convention fields named ``*_encrypted``), the data-migration step
  that encrypts values stored in clear, and re-encryption under the current key after a rotation
  (``manage.py rotate_field_key``).
- ``EncryptedCharField``: a model field that stores the Fernet token and reads back the clear value.
- ``mask_id_number``/``mask_phone`` (from ``portal.validators``) are what everyone without the right sees.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.core.validators import MaxLengthValidator
from django.db import connection, models
from django.dispatch import receiver
from django.utils.functional import cached_property

__all__ = [
    "encrypt",
    "decrypt",
    "blind_index",
    "EncryptedCharField",
    "looks_encrypted",
    "is_encrypted_field",
    "encrypted_columns",
    "encrypt_in_place",
    "rotate_all",
]

_LABEL = "portal-field:"
# Labels the apps derived their own keys with before this module existed: still accepted for reading.
_LEGACY_LABELS = ("talent-fernet:", "ip_enforcement:")
# The blind index keeps the label of the first look-up hashes, so every stored hash stays valid.
_INDEX_LABEL = "talent-hmac:"


def _fernet_for(label: str, secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256((label + secret).encode()).digest()))


@functools.cache
def _keys() -> MultiFernet:
    secrets = [settings.FIELD_ENCRYPTION_KEY] + [
        k.strip()
        for k in str(getattr(settings, "FIELD_ENCRYPTION_KEYS_PREVIOUS", "") or "").split(",")
        if k.strip()
    ]
    fernets = [_fernet_for(_LABEL, s) for s in secrets]
    fernets += [_fernet_for(label, s) for s in secrets for label in _LEGACY_LABELS]
    return MultiFernet(fernets)


@receiver(setting_changed)
def _reset_keys(setting, **kwargs):
    if setting in ("FIELD_ENCRYPTION_KEY", "FIELD_ENCRYPTION_KEYS_PREVIOUS"):
        _keys.cache_clear()


def encrypt(value: str) -> str:
    """The Fernet token of ``value`` (text, URL-safe base64); an empty value stays empty."""
    if not value:
        return ""
    return _keys().encrypt(value.encode()).decode()


def looks_encrypted(value) -> bool:
    if isinstance(value, memoryview | bytes):
        value = bytes(value).decode("ascii", "replace")
    return isinstance(value, str) and value.startswith("gAAAAA")


def decrypt(token: str | bytes | memoryview | None) -> str:
    """The clear value of a token written by ``encrypt`` (any current, previous or legacy key)."""
    if token is None:
        return ""
    if isinstance(token, memoryview):
        token = bytes(token)
    if isinstance(token, str):
        token = token.encode()
    if not token:
        return ""
    return _keys().decrypt(token).decode()


def blind_index(value: str) -> str:
    """A keyed hash of ``value`` (already normalized by the caller) for exact look-ups."""
    secret = getattr(settings, "FIELD_INDEX_KEY", "") or settings.FIELD_ENCRYPTION_KEY
    key = (_INDEX_LABEL + secret).encode()
    return hmac.new(key, (value or "").encode(), hashlib.sha256).hexdigest()


class EncryptedCharField(models.TextField):
    """A short text (phone number, contact) stored encrypted; reads give the clear value.

    The database holds only the Fernet token, so the column cannot be searched or ordered: keep a
    ``blind_index`` beside it if rows must be found by the value. ``max_length`` limits the clear value."""

    def __init__(self, *args, max_length: int | None = None, **kwargs):
        self.clear_max_length = max_length
        super().__init__(*args, **kwargs)

    @cached_property
    def validators(self):
        # the limit is on the clear value: model validation and DRF's ModelSerializer fields enforce it
        # (kept out of deconstruct(), so migrations do not carry it)
        extra = [MaxLengthValidator(self.clear_max_length)] if self.clear_max_length is not None else []
        return [*super().validators, *extra]

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.clear_max_length is not None:
            kwargs["max_length"] = self.clear_max_length
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        if not looks_encrypted(value):  # written before the column was encrypted (migrations encrypt them)
            return value
        try:
            return decrypt(value)
        except InvalidToken:
            return ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value or looks_encrypted(value):
            return value
        return encrypt(value)

    def formfield(self, **kwargs):
        from django import forms

        defaults = {
            "form_class": forms.CharField,
            "max_length": self.clear_max_length,
            "widget": forms.TextInput,
        }
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


def is_encrypted_field(field) -> bool:
    """Whether a model field holds ciphertext: never logged, audited or exported in clear."""
    return isinstance(field, EncryptedCharField) or field.name.endswith("_encrypted")


def encrypted_columns() -> list[tuple[type[models.Model], models.Field]]:
    """Every (model, field) of the installed apps whose column holds Fernet tokens."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.managed
        for field in model._meta.concrete_fields
        if is_encrypted_field(field)
    ]


def _batched_update(conn, table: str, column: str, rows: list[tuple], pk: str = "id") -> int:
    """``rows`` of (new value, id, value read): a row whose value changed since it was read (a user's
    edit while a long migration or rotation runs) is left as it is. Returns the rows written."""
    if not rows:
        return 0
    with conn.cursor() as cur:
        cur.executemany(f'UPDATE "{table}" SET "{column}" = %s WHERE "{pk}" = %s AND "{column}" = %s', rows)
        return cur.rowcount  # psycopg 3 adds up the rows of every statement


def encrypt_in_place(table: str, column: str, *, batch_size: int = 2000, using=None) -> int:
    """Encrypt the values of a text column still stored in clear (the step of the data migration that
    turns a column into an ``EncryptedCharField``; pass ``schema_editor.connection`` as ``using``).
    Batched by id, so a large table is not read at once. Returns how many values were encrypted."""
    conn = using or connection
    done, last = 0, 0
    while True:
        with conn.cursor() as cur:
            cur.execute(
                f'SELECT "id", "{column}" FROM "{table}" WHERE "id" > %s AND "{column}" <> \'\' '
                f'AND "{column}" NOT LIKE \'gAAAAA%%\' ORDER BY "id" LIMIT %s',
                [last, batch_size],
            )
            rows = cur.fetchall()
        if not rows:
            return done
        done += _batched_update(conn, table, column, [(encrypt(value), pk, value) for pk, value in rows])
        last = rows[-1][0]


def rotate_all(*, batch_size: int = 2000) -> dict[str, dict[str, Any]]:
    """Re-encrypt every stored token under the current ``FIELD_ENCRYPTION_KEY`` (tokens of the keys in
    ``FIELD_ENCRYPTION_KEYS_PREVIOUS`` or of the legacy app keys included), after which the previous
    keys can be removed. Idempotent; a value edited meanwhile is left as the edit wrote it (already
    under the new key). Returns per ``app_label.Model.field``: ``rotated`` (count) and ``unreadable``
    (ids of tokens no configured key opens: keep the old keys until they are dealt with)."""
    keys = _keys()
    report: dict[str, dict[str, Any]] = {}
    for model, field in encrypted_columns():
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        binary = isinstance(field, models.BinaryField)
        rotated, unreadable, last = 0, [], 0
        while True:
            with connection.cursor() as cur:
                cur.execute(
                    f'SELECT "{pk}", "{column}" FROM "{table}" WHERE "{pk}" > %s AND "{column}" IS NOT NULL '
                    f'ORDER BY "{pk}" LIMIT %s',
                    [last, batch_size],
                )
                rows = cur.fetchall()
            if not rows:
                break
            updates = []
            for row_id, value in rows:
                token = bytes(value) if isinstance(value, memoryview | bytes) else (value or "").encode()
                if not token or not looks_encrypted(token):
                    continue
                try:
                    fresh = keys.rotate(token)
                except InvalidToken:
                    unreadable.append(row_id)
                    continue
                old = token if binary else token.decode()
                updates.append((fresh if binary else fresh.decode(), row_id, old))
            rotated += _batched_update(connection, table, column, updates, pk)
            last = rows[-1][0]
        report[f"{model._meta.label}.{field.name}"] = {"rotated": rotated, "unreadable": unreadable}
    return report
