"""Personal data at rest: the one mechanism every app uses for ID and phone numbers (PIPL, MLPS level 3).

- ``encrypt``/``decrypt``: Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from
  ``settings.FIELD_ENCRYPTION_KEY`` (from the environment; production refuses to start without it).
  Older keys listed in ``FIELD_ENCRYPTION_KEYS_PREVIOUS`` (comma-separated) still decrypt, so the key
  can be rotated; the tokens written by the apps' earlier per-app keys decrypt too.
- ``blind_index``: a keyed hash (HMAC-SHA256) to find a row by its number without storing it in clear.
- ``EncryptedCharField``: a model field that stores the Fernet token and reads back the clear value.
- ``mask_id_number``/``mask_phone`` (from ``portal.validators``) are what everyone without the right sees.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

__all__ = ["encrypt", "decrypt", "blind_index", "EncryptedCharField", "looks_encrypted"]

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
    key = (_INDEX_LABEL + settings.FIELD_ENCRYPTION_KEY).encode()
    return hmac.new(key, (value or "").encode(), hashlib.sha256).hexdigest()


class EncryptedCharField(models.TextField):
    """A short text (phone number, contact) stored encrypted; reads give the clear value.

    The database holds only the Fernet token, so the column cannot be searched or ordered: keep a
    ``blind_index`` beside it if rows must be found by the value. ``max_length`` limits the clear value."""

    def __init__(self, *args, max_length: int | None = None, **kwargs):
        self.clear_max_length = max_length
        super().__init__(*args, **kwargs)

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

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if self.clear_max_length is not None and value and len(value) > self.clear_max_length:
            from django.core.exceptions import ValidationError

            raise ValidationError(f"At most {self.clear_max_length} characters.", code="max_length")
