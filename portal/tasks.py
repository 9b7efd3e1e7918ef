"""Celery tasks of the shared core: thin, they take ids and call the outbox and deadline functions."""

from celery import shared_task

from . import deadlines, export_tasks, outbox  # noqa: F401  (export_tasks: background Excel exports)

__all__ = [
    "deliver_event_task",
    "sweep_outbox",
    "send_webhook_task",
    "retry_due_webhooks",
    "scan_deadlines",
    "refresh_dashboard",
    "ping",
]


# No result is stored for the delivery tasks: nothing reads it, and at a burst's rate the result
# backend's writes would cost as much as the delivery.
@shared_task(acks_late=True, max_retries=None, ignore_result=True)
def deliver_event_task(event_ids: list[str] | str) -> None:
    """A transaction's events (a list since the enqueue per transaction; one id in older messages)."""
    outbox.deliver_event(event_ids)


@shared_task
def sweep_outbox(older_than_seconds: float | None = None) -> int:
    """Re-enqueue events still undelivered after OUTBOX_REDELIVER_AFTER (or ``older_than_seconds``)."""
    from datetime import timedelta

    older_than = None if older_than_seconds is None else timedelta(seconds=older_than_seconds)
    ids = outbox.undelivered_event_ids(older_than=older_than)
    outbox.enqueue_delivery(ids, strict=True)  # a broker outage fails the sweep, as before
    outbox.send_unsent_emails(older_than=older_than)
    return len(ids)


@shared_task(acks_late=True, ignore_result=True)
def send_webhook_task(delivery_id: int) -> None:
    outbox.send_webhook(delivery_id)


@shared_task
def retry_due_webhooks() -> int:
    ids = outbox.due_webhook_ids()
    for pk in ids:
        send_webhook_task.delay(pk)
    return len(ids)


@shared_task
def scan_deadlines() -> dict:
    return {"reminded": deadlines.send_reminders(), "escalated": deadlines.escalate_overdue()}


@shared_task(ignore_result=True)
def refresh_dashboard() -> int:
    """The cockpit's figures recomputed before their cache runs out (portal.dashboard.refresh)."""
    from . import dashboard

    return dashboard.refresh()


@shared_task
def ping() -> str:
    """Round trip through the broker and a worker (used by /healthz and the tests)."""
    return "pong"
