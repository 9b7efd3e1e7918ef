"""Reads of the shared core, scoped to the user and prefetched for what the pages show."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import (
    AuditEntry,
    Deadline,
    Notification,
    Organization,
    Region,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from .permissions import visible

__all__ = [
    "region_list",
    "organization_list",
    "notification_list",
    "unread_count",
    "task_list",
    "audit_entry_list",
    "webhook_subscription_list",
    "webhook_delivery_list",
]


def region_list(*, user: User) -> QuerySet[Region]:
    return visible(user, Region.objects.select_related("province", "parent"))


def organization_list(*, user: User) -> QuerySet[Organization]:
    return visible(user, Organization.objects.select_related("region", "province"))


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
