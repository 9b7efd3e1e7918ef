"""Row-level scoping, once per record type.

Each model that users read or act on has one ``Policy``: ``scope()`` answers "which rows may this
user see" and ``can()`` answers "may this user do this action on this row" with a reason. Pages, the
API, exports and workflow transitions all ask these two functions and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import BooleanField, Expression, Q, QuerySet
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND
from django.utils.translation import gettext as _

from .exceptions import PermissionDenied
from .models import OFFICIAL_ROLES, Role, User

__all__ = [
    "Decision",
    "ALLOW",
    "Policy",
    "Scope",
    "split_scope",
    "register",
    "policy_for",
    "visible",
    "can",
    "require",
    "refuse",
    "deny",
    "is_platform_admin",
    "official_province_id",
    "is_official_of",
]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason: str) -> Decision:
    return Decision(False, reason)


class Policy:
    """Override ``scope`` and ``can`` for one model. ``action`` is "view", "change", "delete", or a
    workflow transition's name."""

    model: type[models.Model]

    def scope(self, user: User, queryset: QuerySet, action: str = "view") -> QuerySet:
        return queryset.none()

    def can(self, user: User, action: str, obj: Any) -> Decision:
        if action == "view":
            visible_ = self.scope(user, self.model._default_manager.filter(pk=obj.pk), action).exists()
            return ALLOW if visible_ else deny(_("You may not see this record."))
        return deny(_("You may not do this."))


class Scope(Expression):
    """A policy's scope given as disjoint parts whose union it is, in the order a capped read should take
    them (one's own unpublished rows, the public ones, the others of one's region):
    ``queryset.filter(Scope(*parts))`` filters as their OR. PostgreSQL reads an OR of several columns
    through no index that stops early: a search's first SEARCH_CAP matches built the bitmap of a
    common word's every match instead (105–188 ms for an official's 芯片; bench issue 10). ``split_scope``
    gives such a read one queryset per part, each read through its own index.

    The parts must not overlap (a read of them adds them up: a row in two would count twice) and must
    test the model's own columns or single-valued relations (a split part keeps the scope's joins, and
    a join to many rows would repeat them); no ``OuterRef`` (the parts are resolved where the scope
    is)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, *parts: Q):
        if not parts:
            raise ValueError("a Scope needs at least one part; use queryset.none() for no rows")
        super().__init__()
        self.parts = parts
        self.either = None

    def get_source_expressions(self):
        return [] if self.either is None else [self.either]

    def set_source_expressions(self, exprs):
        (self.either,) = exprs or (None,)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        # resolved again when its query is used as a subquery: then against the outer query
        either = Q(*self.parts, _connector=Q.OR) if self.either is None else self.either
        resolved = self.copy()
        resolved.either = either.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return resolved

    def as_sql(self, compiler, connection):
        return compiler.compile(self.either)


def split_scope(queryset: QuerySet) -> list[QuerySet]:
    """``queryset`` once per part of the ``Scope`` it is filtered by, every other filter kept: their
    union is ``queryset``. ``[queryset]`` when it has no scope of several parts."""
    where = queryset.query.where
    if where.connector != AND or where.negated or queryset.query.combinator:
        return [queryset]
    position, scope = next(
        (
            (position, condition.lhs)
            for position, condition in enumerate(where.children)
            if isinstance(condition, Exact) and isinstance(condition.lhs, Scope) and condition.rhs is True
        ),
        (None, None),
    )
    if scope is None or len(scope.parts) < 2:
        return [queryset]
    split = []
    for part in scope.parts:
        unscoped = queryset.all()  # a clone, with a list of conditions of its own to take the scope from
        del unscoped.query.where.children[position]
        split.append(unscoped.filter(part))
    return split


_registry: dict[type[models.Model], Policy] = {}


def register(policy_cls: type[Policy]) -> type[Policy]:
    _registry[policy_cls.model] = policy_cls()
    return policy_cls


def policy_for(model: type[models.Model]) -> Policy:
    model = model._meta.concrete_model
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"no Policy registered for {model._meta.label}") from None


def visible(user: User, queryset: QuerySet, action: str = "view") -> QuerySet:
    """The rows of ``queryset`` that ``user`` may see (or act on with ``action``)."""
    if user is None or not user.is_authenticated:
        return policy_for(queryset.model).scope(AnonymousActor, queryset, action)
    return policy_for(queryset.model).scope(user, queryset, action)


def can(user: User, action: str, obj: Any) -> Decision:
    if user is None or not user.is_authenticated:
        user = AnonymousActor
    return policy_for(type(obj)).can(user, action, obj)


def refuse(user: User, obj: Any, reason: str, *, action: str = "") -> PermissionDenied:
    """The audited PermissionDenied for ``user`` on ``obj``: ``raise refuse(...)``. The audit entry
    survives the rollback of the service's transaction (see ``audit.denied``)."""
    from . import audit

    entry = audit.record(
        audit.AuditAction.PERMISSION_DENIED,
        obj,
        actor=user if user is not None and user.is_authenticated else None,
        message=f"{action}: {reason}"[:500],
    )
    return audit.denied(PermissionDenied(reason or _("You may not do this.")), entry)


def require(user: User, action: str, obj: Any) -> None:
    """Raise PermissionDenied (and audit the denial) unless ``user`` may do ``action`` on ``obj``."""
    decision = can(user, action, obj)
    if not decision:
        raise refuse(user, obj, decision.reason, action=action)


class _Anonymous:
    """Stands in for an anonymous visitor so policies can ask the same questions of everyone."""

    pk = None
    id = None
    is_authenticated = False
    is_active = False
    organization_id = None
    province_id = None
    role_set = frozenset()

    def has_role(self, *roles: str) -> bool:
        return False


AnonymousActor = _Anonymous()


def is_platform_admin(user: User) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.PLATFORM_ADMIN))


def official_province_id(user: User) -> str | None:
    """The province an official (coordinator or agency officer) acts for; None for everyone else."""
    if user is None or not user.is_authenticated or not user.has_role(*OFFICIAL_ROLES):
        return None
    return user.province_id


def is_official_of(user: User, province_id: str | None, *, coordinator: bool = False) -> bool:
    if province_id is None:
        return False
    if coordinator and not user.has_role(Role.REGION_COORDINATOR):
        return False
    return official_province_id(user) == province_id
