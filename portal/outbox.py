"""The transactional outbox: domain events are rows written with the change; Celery delivers them after
commit to the in-app inbox, e-mail and partner webhooks, at least once, with the event id as the
idempotency key. A sweeper re-sends whatever a crashed worker left undelivered."""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from .models import (
    EmailDelivery,
    Event,
    Notification,
    Organization,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
    content_type_for,
)

__all__ = [
    "emit",
    "deliver_event",
    "undelivered_event_ids",
    "send_webhook",
    "due_webhook_ids",
    "replay_webhook",
    "webhook_payload",
    "RETRY_SCHEDULE_SECONDS",
]

log = logging.getLogger(__name__)

# Standard Webhooks' suggested schedule: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
RETRY_SCHEDULE_SECONDS = [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]


def _ids(items: Iterable[Any]) -> list[int]:
    out: list[int] = []
    for item in items:
        if item is None:
            continue
        pk = item.pk if isinstance(item, models.Model) else int(item)
        if pk not in out:
            out.append(pk)
    return out


def emit(
    event_type: str,
    *,
    obj: models.Model | None = None,
    actor: User | None = None,
    title: str,
    body: str = "",
    link: str = "",
    payload: dict[str, Any] | None = None,
    recipients: Iterable[User | int] = (),
    organizations: Iterable[Organization | int] = (),
) -> Event:
    """Record a domain event in the current transaction; deliver it after commit.

    ``recipients`` get it in their inbox and by e-mail; ``organizations`` are the parties whose
    webhook subscriptions may receive it.
    """
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = Event.objects.create(
        type=event_type,
        actor_id=actor_id,
        content_type=content_type_for(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        title=str(title)[:255],
        body=str(body),
        link=link,
        payload=payload or {},
        recipient_ids=[pk for pk in _ids(recipients) if pk != actor_id],
        organization_ids=_ids(organizations),
    )
    transaction.on_commit(lambda: _enqueue(event.pk))
    return event


def _enqueue(event_id) -> None:
    from .tasks import deliver_event_task

    try:
        deliver_event_task.delay(str(event_id))
    except Exception:  # broker down: the sweeper will deliver it
        log.warning("could not enqueue event %s; the outbox sweeper will deliver it", event_id, exc_info=True)


def webhook_payload(event: Event) -> dict[str, Any]:
    return {
        "type": event.type,
        "timestamp": event.created_at.isoformat(),
        "data": {
            "id": str(event.id),
            "object_type": event.content_type.model if event.content_type_id else None,
            "object_id": event.object_id,
            "title": event.title,
            **event.payload,
        },
    }


def deliver_event(event_id) -> None:
    """Deliver one event to every channel. Each channel's row is unique per event, so running this
    again after a crash completes what is missing and repeats nothing already done."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.dispatched_at is not None:
        return
    Event.objects.filter(pk=event.pk).update(attempts=models.F("attempts") + 1)
    users = list(User.objects.filter(pk__in=event.recipient_ids, is_active=True))
    Notification.objects.bulk_create(
        [
            Notification(event=event, user=u, title=event.title, body=event.body, link=event.link)
            for u in users
        ],
        ignore_conflicts=True,
    )
    for user in users:
        if user.email:
            _send_email_once(event, user)
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
        for delivery_id in WebhookDelivery.objects.filter(
            event=event, status=WebhookDelivery.Status.PENDING, attempts=0
        ).values_list("pk", flat=True):
            from .tasks import send_webhook_task

            send_webhook_task.delay(delivery_id)
    Event.objects.filter(pk=event.pk).update(dispatched_at=timezone.now())


def _send_email_once(event: Event, user: User) -> None:
    try:
        with transaction.atomic():
            delivery = EmailDelivery.objects.create(event=event, user=user, address=user.email)
    except IntegrityError:
        delivery = EmailDelivery.objects.get(event=event, user=user)
        if delivery.sent_at:
            return
    try:
        link = f"\n\n{event.link}" if event.link else ""
        send_mail(event.title, f"{event.body}{link}", None, [user.email])
        EmailDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now(), error="")
    except Exception as exc:  # a mail server hiccup must not stop the inbox or webhooks
        EmailDelivery.objects.filter(pk=delivery.pk).update(error=str(exc)[:1000])


def undelivered_event_ids(older_than: timedelta | None = None, limit: int = 1000) -> list:
    cutoff = timezone.now() - (older_than if older_than is not None else settings.OUTBOX_REDELIVER_AFTER)
    return list(
        Event.objects.filter(dispatched_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def send_webhook(delivery_id: int) -> None:
    """One attempt at one webhook delivery, signed the Standard Webhooks way; schedules the next
    attempt on failure, by RETRY_SCHEDULE_SECONDS."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event__content_type", "subscription")
            .filter(
                pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
            )
            .first()
        )
        if delivery is None:
            return
        event, sub = delivery.event, delivery.subscription
        body = json.dumps(webhook_payload(event), ensure_ascii=False, separators=(",", ":"))
        sent_at = timezone.now()
        signature = Webhook(sub.secret).sign(str(event.id), sent_at, body)
        request = urllib.request.Request(
            sub.url,
            data=body.encode(),
            method="POST",
            headers={
                "content-type": "application/json",
                "webhook-id": str(event.id),
                "webhook-timestamp": str(int(sent_at.timestamp())),
                "webhook-signature": signature,
                "user-agent": "jjj-portal-webhooks/1",
            },
        )
        started = time.monotonic()
        status_code, error = None, ""
        try:
            with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as resp:  # noqa: S310
                status_code = resp.status
        except urllib.error.HTTPError as exc:
            status_code, error = exc.code, f"HTTP {exc.code}"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
        duration = int((time.monotonic() - started) * 1000)
        WebhookAttempt.objects.create(
            delivery=delivery, status_code=status_code, error=error, duration_ms=duration
        )
        delivery.attempts += 1
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
        else:
            delivery.last_error = error or f"HTTP {status_code}"
            if delivery.attempts >= min(settings.WEBHOOK_MAX_ATTEMPTS, len(RETRY_SCHEDULE_SECONDS)):
                delivery.status = WebhookDelivery.Status.FAILED
            else:
                delivery.next_attempt_at = timezone.now() + timedelta(
                    seconds=RETRY_SCHEDULE_SECONDS[delivery.attempts]
                )
        delivery.save(update_fields=["attempts", "status", "delivered_at", "last_error", "next_attempt_at"])


def due_webhook_ids(limit: int = 500) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def replay_webhook(delivery: WebhookDelivery, *, actor: User) -> None:
    """Send a failed (or delivered) webhook again, on an operator's request."""
    from . import audit
    from .tasks import send_webhook_task

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
    audit.record(
        audit.AuditAction.UPDATE, delivery.subscription, actor=actor, message=f"webhook replay {delivery.pk}"
    )
    transaction.on_commit(lambda: send_webhook_task.delay(delivery.pk))


def secret_new() -> str:
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
