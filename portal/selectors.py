"""Reads of the shared core, scoped to the user and prefetched for what the pages show."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

from django.db.models import F, Model, OuterRef, QuerySet, Subquery
from django.db.models.expressions import BaseExpression

from . import search
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
    "participating_organizations",
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


# the start of a credit code: the registration authority and the kind of entity (a digit), then
# letters and digits; anything else typed is a name (5G, 3M, ABB are words of names)
_CODE_START = re.compile(r"[0-9A-Za-z][0-9][0-9A-Za-z]{0,16}")

# What a box offers for what is typed: enough to choose from, few enough to send on each keystroke,
# once a few characters narrow the table (static/portal/portal.js reads the same length from the box).
SUGGESTION_LIMIT = 20
SUGGESTION_MIN_LENGTH = 2


def participating_organizations() -> QuerySet[Organization]:
    """The organizations that take part in programmes, consortia and appointments: all but agencies."""
    return Organization.objects.exclude(kind=OrganizationKind.AGENCY)


def organization_suggestions(
    *, user: User, query: str, province: str | None = None
) -> QuerySet[Organization]:
    """The organizations an organization box offers for ``query``: typed as the start of a credit
    code, those whose code starts with it, by code; else those whose name contains its words (Chinese
    characters as LIKE finds them, Latin words and numbers whole; portal.search), by name. Agencies
    are left out (programmes, consortia and appointments take the others). At most
    ``SUGGESTION_LIMIT``, each way through an index."""
    query = query.strip()
    if len(query) < SUGGESTION_MIN_LENGTH:
        return Organization.objects.none()
    qs = visible(user, participating_organizations().select_related("province"))
    if province:
        qs = qs.filter(province_id=province)
    if _CODE_START.fullmatch(query):
        # in code order, from the typed start: the codes' index is walked from there and left after
        # twenty (the lower bound says where to start; LIKE alone walked 20,000 rows to a common start
        # of Tianjin's codes), and the codes' pattern index answers a start few codes have
        start = query.upper()
        return qs.filter(uscc__gte=start, uscc__startswith=start).order_by("uscc")[:SUGGESTION_LIMIT]
    words = search.tsquery_for(query)
    if not words:
        return Organization.objects.none()
    return qs.filter(search_vector__matches=words).order_by("name", "pk")[:SUGGESTION_LIMIT]


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
