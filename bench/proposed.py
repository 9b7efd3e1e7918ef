"""Proposed changes measured by the benchmark before they are applied (issue 10: "fix the cause,
record before and after"). Nothing here is imported by the portal; the runner's Celery measurement
installs it in a worker only for its "proposed" variant (``bench.celery_app``).

``deliver_event``: the same deliveries as ``portal.outbox.deliver_event`` (inbox row and e-mail row per
recipient, unique per event; webhook deliveries per subscribed organization, sent after commit), in
one transaction with set-based writes: ~6 statements and 1 commit per event instead of ~8 + 4 per
recipient and a commit after each.
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone

from portal.models import EmailDelivery, Event, Notification, User, WebhookDelivery, WebhookSubscription

__all__ = ["deliver_event", "install"]

log = logging.getLogger(__name__)


def deliver_event(event_id) -> None:
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, dispatched_at__isnull=True)
            .order_by()
            .first()
        )
        if event is None:
            return
        users = list(User.objects.filter(pk__in=event.recipient_ids, is_active=True).only("pk", "email"))
        Notification.objects.bulk_create(
            [
                Notification(event=event, user=u, title=event.title, body=event.body, link=event.link)
                for u in users
            ],
            ignore_conflicts=True,
        )
        EmailDelivery.objects.bulk_create(
            [EmailDelivery(event=event, user=u, address=u.email) for u in users if u.email],
            ignore_conflicts=True,
        )
        link = f"\n\n{event.link}" if event.link else ""
        sent = []
        for delivery in EmailDelivery.objects.filter(event=event, sent_at__isnull=True).only("pk", "address"):
            try:
                send_mail(event.title, f"{event.body}{link}", None, [delivery.address])
                sent.append(delivery.pk)
            except Exception as exc:  # a mail server hiccup must not stop the inbox or webhooks
                EmailDelivery.objects.filter(pk=delivery.pk).update(error=str(exc)[:1000])
        if sent:
            EmailDelivery.objects.filter(pk__in=sent).update(sent_at=timezone.now(), error="")
        if event.organization_ids:
            subs = [
                s
                for s in WebhookSubscription.objects.filter(
                    active=True, organization_id__in=event.organization_ids
                )
                if s.wants(event.type)
            ]
            WebhookDelivery.objects.bulk_create(
                [WebhookDelivery(event=event, subscription=s) for s in subs], ignore_conflicts=True
            )
            ids = list(
                WebhookDelivery.objects.filter(
                    event=event, status=WebhookDelivery.Status.PENDING, attempts=0
                ).values_list("pk", flat=True)
            )
            if ids:
                from portal.tasks import send_webhook_task

                transaction.on_commit(lambda: [send_webhook_task.delay(i) for i in ids])
        Event.objects.filter(pk=event.pk).update(
            attempts=models.F("attempts") + 1, dispatched_at=timezone.now()
        )


def install() -> None:
    """Replace portal.outbox.deliver_event in this process (the task calls it through the module)."""
    from portal import outbox

    outbox.deliver_event = deliver_event
