"""Reads of the shared core, scoped to the user and prefetched for what the pages show."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from django.db.models import F, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Upper

from .models import (
    AuditEntry,
    Deadline,
    Notification,
    Organization,
    OrganizationKind,
    Region,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from .permissions import visible

__all__ = [
    "as_rows",
    "lookup",
    "region_list",
    "organization_list",
    "organization_suggestions",
    "notification_list",
    "unread_count",
    "task_list",
    "audit_entry_list",
    "webhook_subscription_list",
    "webhook_delivery_list",
]

M = TypeVar("M", bound=Model)


def as_rows(
    qs: QuerySet[M], *, names: Mapping[str, str | BaseExpression], columns: Iterable[str] | None = None
) -> QuerySet[M]:
    """A list's rows: the model's own ``columns`` (all of them by default), and each related value the list shows read as a
    column of the same query (``names``: attribute → ORM path, joined, or a ``lookup``), instead of
    joined or prefetched model instances. One model instance per row, not one per related row, and no
    query per relation: building those instances was most of a list's time at fifty rows (bench,
    issue 10). The list's serializer reads the attributes as plain fields; a detail keeps the
    related objects."""
    qs = qs.select_related(None).prefetch_related(None)
    if columns is not None:
        qs = qs.only(*columns)
    return qs.annotate(**{a: F(p) if isinstance(p, str) else p for a, p in names.items()})


def lookup(model: type[Model], column: str, **match: str) -> Subquery:
    """``column`` of the ``model`` row matching ``match`` (its field → a path of the outer row), read
    by a subquery per row rather than a join, for values from rows many rows share (an agency's name,
    a series' code). ``match`` must name a unique key (a primary key, a one-to-one): the subquery
    takes the first row it finds. Each join of a list's query adds to what the planner weighs (with
    the user's scope, seven relations took 8–11 ms to plan against 2 ms to run; bench, issue 10); a
    subquery on a unique key is planned on its own and costs an index probe per row of the page, and
    in a ranked, limited query runs for the rows shown only."""
    return Subquery(
        model._default_manager.filter(**{f: OuterRef(p) for f, p in match.items()})
        .order_by()
        .values(column)[:1]
    )


def region_list(*, user: User) -> QuerySet[Region]:
    return visible(user, Region.objects.select_related("province", "parent"))


def organization_list(*, user: User) -> QuerySet[Organization]:
    return visible(user, Organization.objects.select_related("region", "province"))


# What a picker offers for what is typed: enough to choose from, few enough to send on each keystroke.
SUGGESTION_LIMIT = 20


def organization_suggestions(
    *, user: User, query: str, province: str | None = None, agencies: bool = False
) -> QuerySet[Organization]:
    """The organizations an organization box offers for ``query``: credit codes starting with it, or
    names containing it; agencies only when asked (programmes, consortia and appointments take the
    others). At most ``SUGGESTION_LIMIT``, by name."""
    query = query.strip()
    if len(query) < 2:
        return Organization.objects.none()
    # upper(name) LIKE: case-blind for Latin letters as ILIKE is, at half its cost over the register
    # (45,000 organizations: 13 against 25 ms)
    qs = (
        organization_list(user=user)
        .alias(name_upper=Upper("name"))
        .filter(Q(uscc__startswith=query.upper()) | Q(name_upper__contains=query.upper()))
    )
    if not agencies:
        qs = qs.exclude(kind=OrganizationKind.AGENCY)
    if province:
        qs = qs.filter(province_id=province)
    return qs.order_by("name", "pk")[:SUGGESTION_LIMIT]


def notification_list(*, user: User) -> QuerySet[Notification]:
    return visible(user, Notification.objects.all())


def unread_count(*, user: User) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()


def task_list(*, user: User) -> QuerySet[Deadline]:
    """Everything awaiting the user's (or their organization's) action, soonest deadline first."""
    qs = visible(user, Deadline.objects.filter(status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED]))
    return qs.select_related("content_type", "responsible_organization", "requester_organization").order_by(
        "due_at"
    )


def audit_entry_list(*, user: User) -> QuerySet[AuditEntry]:
    return visible(user, AuditEntry.objects.select_related("content_type"))


def webhook_subscription_list(*, user: User) -> QuerySet[WebhookSubscription]:
    return visible(user, WebhookSubscription.objects.select_related("organization"))


def webhook_delivery_list(*, user: User) -> QuerySet[WebhookDelivery]:
    return visible(user, WebhookDelivery.objects.select_related("event", "subscription__organization"))
