"""The audit log: one append-only entry per create, change, transition, login, denial and export."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from .context import current
from .crypto import is_encrypted_field
from .models import AuditAction, AuditEntry, User, content_type_for

__all__ = ["record", "snapshot", "diff", "AuditAction", "denied", "ensure_denial_recorded"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes | memoryview):
        return "<binary>"
    return value


# Fields never written to the audit log in clear (the log is read by auditors, not by the agencies
# that hold the personal data).
SENSITIVE_FIELDS = {
    "password",
    "secret",
    "id_number",
    "id_number_encrypted",
    "phone",
    "phone_encrypted",
    "token",
    "key",
}


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` (foreign keys by id), for a before/after pair."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    hidden = SENSITIVE_FIELDS | {f.attname for f in obj._meta.concrete_fields if is_encrypted_field(f)}
    out = {}
    for name in names:
        value = getattr(obj, name, None)
        out[name] = "***" if name in hidden else _jsonable(value)
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields that changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    actor: User | None = None,
    changes: dict[str, Any] | None = None,
    message: str = "",
) -> AuditEntry:
    """Write one audit entry. The request context supplies IP and request id; the actor defaults to
    the signed-in user of the request."""
    ctx = current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    actor_id = actor.pk if actor is not None else (ctx.user_id if ctx else None)
    org_id = getattr(actor, "organization_id", None) if actor is not None else None
    if actor is None and actor_id is not None:
        org_id = User.objects.filter(pk=actor_id).values_list("organization_id", flat=True).first()
    return AuditEntry.objects.create(
        actor_id=actor_id,
        actor_name=(actor.get_username() if actor is not None else "")[:150],
        organization_id=org_id,
        action=action,
        content_type=content_type_for(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        changes=_jsonable(changes or {}),
        message=message[:500],
        ip=ctx.ip if ctx else None,
        request_id=ctx.request_id if ctx else "",
    )


def denied(exc: BaseException, entry: AuditEntry) -> BaseException:
    """Attach the denial's audit entry to the exception about to be raised.

    The service's transaction rolls back when the exception leaves it, taking the entry with it;
    the API's exception handler and the request middleware call ``ensure_denial_recorded`` once the
    transaction is over, so a refused action is always in the log.
    """
    exc.portal_audit_entry = entry
    return exc


def ensure_denial_recorded(exc: BaseException) -> None:
    entry = getattr(exc, "portal_audit_entry", None)
    if entry is None:
        return
    exc.portal_audit_entry = None
    if not AuditEntry.objects.filter(pk=entry.pk).exists():
        entry.pk = None
        entry._state.adding = True
        entry.save(force_insert=True)
