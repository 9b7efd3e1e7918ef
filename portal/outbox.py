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

from asgiref.local import Local
from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, models, transaction
from django.db.models import Q
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
    "enqueue_delivery",
    "send_unsent_emails",
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

# Per thread (a connection's transactions are its thread's): the events emitted since the last enqueue.
_emitted = Local()


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
    _enqueue_after_commit(event.pk)
    return event


def _batch_size() -> int:
    return max(1, int(getattr(settings, "OUTBOX_BATCH_SIZE", 200)))


def _enqueue_after_commit(event_id) -> None:
    """After the commit, one delivery task for every OUTBOX_BATCH_SIZE events of the transaction, not
    one per event: a task's batch delivers the others anyway, and each task costs the worker a message
    whatever it finds to do (bench, issue 10).

    Every event registers its callback, so that a savepoint rolled back takes only its own callbacks
    away; the first callback that runs after the commit enqueues all the events emitted so far and the
    later ones find nothing left. The ids of events rolled back go too: no row answers them."""
    ids = getattr(_emitted, "ids", None)
    if ids is None:
        ids = _emitted.ids = []
    ids.append(event_id)
    transaction.on_commit(_enqueue_emitted)


def _enqueue_emitted() -> None:
    ids = getattr(_emitted, "ids", None)
    if not ids:
        return
    _emitted.ids = []
    enqueue_delivery(ids)


def enqueue_delivery(event_ids: list, *, strict: bool = False) -> None:
    """Delivery tasks for ``event_ids``, a task for every OUTBOX_BATCH_SIZE of them. With the broker
    down, after a commit the sweeper will deliver them (logged); the sweeper itself (``strict``) fails."""
    from .tasks import deliver_event_task

    batch = _batch_size()
    for start in range(0, len(event_ids), batch):
        chunk = [str(pk) for pk in event_ids[start : start + batch]]
        try:
            deliver_event_task.delay(chunk)
        except Exception:
            if strict:
                raise
            log.warning(
                "could not enqueue events %s; the outbox sweeper will deliver them", chunk, exc_info=True
            )
            return


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


def deliver_event(event_ids, *, batch: int | None = None) -> int:
    """Deliver the events ``event_ids`` (one id or a list: a transaction's events), and with them the
    other committed events still waiting, to every channel, ``batch`` (``OUTBOX_BATCH_SIZE``) at most
    per transaction, with set-based writes, so the outbox keeps up with a burst (issue 10: 300 events/s
    with one worker). Rows are claimed with SKIP LOCKED, so concurrent workers never deliver the same
    event; a task whose events another batch already took returns after one query. Inbox, e-mail and
    webhook rows are unique per event, so a crash (the transaction rolls back, the sweeper re-sends)
    repeats nothing already done. E-mail is sent after the commit (an SMTP server never holds the rows
    locked); what a crash leaves unsent, ``send_unsent_emails`` sends. Returns how many events this
    call dispatched."""
    ids = list(event_ids) if isinstance(event_ids, list | tuple) else [event_ids]
    batch = _batch_size() if batch is None else max(1, batch)
    # In a burst, most tasks find their events already taken by an earlier task's batch. One plain
    # read tells them so, instead of a transaction with a locking read and a commit: three round
    # trips less for each such task (bench, issue 10).
    if not Event.objects.filter(pk__in=ids, dispatched_at__isnull=True).exists():
        return 0
    done = 0
    for start in range(0, len(ids), batch):
        own = ids[start : start + batch]
        taken: list = []
        try:
            done += _deliver_batch(own, batch, taken)
        except DatabaseError:
            if batch == 1:
                raise  # the event's own error: the task reports it
            # one event the batch cannot write must not hold back the others: this task's events
            # and the waiting ones the batch had taken (their own tasks found them locked and left)
            log.warning("outbox batch with events %s failed; delivering them one by one", own, exc_info=True)
            done += _deliver_one_by_one(own, taken)
    return done


def _deliver_batch(ids: list, batch: int, taken: list) -> int:
    """One transaction: the events of ``ids`` still waiting, and other waiting ones up to ``batch``;
    ``taken`` gets the ids claimed before anything is written."""
    with transaction.atomic():
        pending = Event.objects.select_for_update(skip_locked=True).filter(dispatched_at__isnull=True)
        events = list(pending.filter(pk__in=ids).order_by())
        if not events:
            return 0
        if batch > len(events):
            events += pending.exclude(pk__in=ids).order_by("created_at")[: batch - len(events)]
        taken.extend(e.pk for e in events)
        users = User.objects.filter(
            pk__in={pk for e in events for pk in e.recipient_ids}, is_active=True
        ).only("pk", "email")
        users_by_id = {u.pk: u for u in users}
        Notification.objects.bulk_create(
            [
                Notification(event=e, user_id=pk, title=e.title, body=e.body, link=e.link)
                for e in events
                for pk in e.recipient_ids
                if pk in users_by_id
            ],
            ignore_conflicts=True,
        )
        EmailDelivery.objects.bulk_create(
            [
                EmailDelivery(event=e, user_id=pk, address=users_by_id[pk].email)
                for e in events
                for pk in e.recipient_ids
                if pk in users_by_id and users_by_id[pk].email
            ],
            ignore_conflicts=True,
        )
        webhook_ids = _create_webhook_deliveries([e for e in events if e.organization_ids])
        event_ids = [e.pk for e in events]
        Event.objects.filter(pk__in=event_ids).update(
            attempts=models.F("attempts") + 1, dispatched_at=timezone.now()
        )
    _enqueue_webhooks(webhook_ids)
    send_unsent_emails(event_ids=event_ids)
    return len(events)


def _deliver_one_by_one(own: list, taken: list) -> int:
    """Each event of a failed batch alone: the task's own, then the others the batch had taken. One of
    its own that fails alone too is its own error, raised (the task reports it) once the rest went; one
    of the others is logged and left to the sweeper, its own task having ended."""
    done, error = 0, None
    mine = {str(pk) for pk in own}  # ids from a message are strings, taken ones UUIDs
    others = [pk for pk in taken if str(pk) not in mine]
    for pk in [*own, *others]:
        try:
            done += _deliver_batch([pk], 1, [])
        except DatabaseError as exc:
            if str(pk) in mine:
                error = error or exc
            else:
                log.warning("outbox event %s failed alone; the sweeper will try it again", pk, exc_info=True)
    if error is not None:
        raise error
    return done


def _create_webhook_deliveries(events: list[Event]) -> list[int]:
    """The webhook deliveries of ``events`` to their organizations' subscriptions; ids still to send."""
    if not events:
        return []
    subs = list(
        WebhookSubscription.objects.filter(
            active=True, organization_id__in={pk for e in events for pk in e.organization_ids}
        )
    )
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=e, subscription=s)
            for e in events
            for s in subs
            if s.organization_id in e.organization_ids and s.wants(e.type)
        ],
        ignore_conflicts=True,
    )
    return list(
        WebhookDelivery.objects.filter(
            event__in=events, status=WebhookDelivery.Status.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )


def _enqueue_webhooks(delivery_ids: list[int]) -> None:
    from .tasks import send_webhook_task

    for delivery_id in delivery_ids:
        try:
            send_webhook_task.delay(delivery_id)
        except Exception:  # broker down: retry_due_webhooks sends the pending deliveries
            log.warning("could not enqueue webhook delivery %s", delivery_id, exc_info=True)
            return


# A claimed e-mail not marked sent after this long is taken again (its sender died mid-way).
EMAIL_CLAIM_EXPIRES = timedelta(minutes=10)


def send_unsent_emails(*, event_ids: list | None = None, older_than: timedelta | None = None) -> int:
    """Send the e-mails not yet sent: those of ``event_ids`` (right after their delivery), or those
    a crashed worker left behind, dispatched more than ``older_than`` ago (the sweeper). The rows are
    claimed first (one statement, SKIP LOCKED, ``claimed_at``), so a worker and the sweeper, or two
    sweeps, never send the same e-mail; only a crash between the mail server's answer and the final
    UPDATE repeats one, after EMAIL_CLAIM_EXPIRES. A failure is kept on the row and not retried here,
    so a broken address does not loop."""
    now = timezone.now()
    rows = EmailDelivery.objects.filter(sent_at__isnull=True, error="").filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - EMAIL_CLAIM_EXPIRES)
    )
    if event_ids is not None:
        rows = rows.filter(event_id__in=event_ids)
    else:
        cutoff = now - (older_than if older_than is not None else settings.OUTBOX_REDELIVER_AFTER)
        rows = rows.filter(event__dispatched_at__lte=cutoff)
    with transaction.atomic():
        ids = list(
            rows.select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)[:1000]
        )
        EmailDelivery.objects.filter(pk__in=ids).update(claimed_at=now)
    sent = []
    for delivery in EmailDelivery.objects.filter(pk__in=ids).select_related("event"):
        event = delivery.event
        link = f"\n\n{event.link}" if event.link else ""
        try:
            send_mail(event.title, f"{event.body}{link}", None, [delivery.address])
            sent.append(delivery.pk)
        except Exception as exc:  # a mail server hiccup must not stop the inbox or webhooks
            EmailDelivery.objects.filter(pk=delivery.pk).update(error=str(exc)[:1000] or type(exc).__name__)
    if sent:
        EmailDelivery.objects.filter(pk__in=sent).update(sent_at=timezone.now(), error="")
    return len(sent)


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
