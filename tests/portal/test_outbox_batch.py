"""The outbox delivers in batches: one delivery takes the other committed events still waiting with
it, in one transaction; concurrent deliveries never take the same event; e-mails a crash left unsent
are sent by the sweeper."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import outbox
from portal.models import EmailDelivery, Event, Notification
from tests.conftest import _purge_broker
from tests.factories import UserFactory


def _emit(n: int, users) -> list[Event]:
    return [outbox.emit("test.batch", title=f"event {i}", recipients=users) for i in range(n)]


@pytest.mark.django_db
def test_one_delivery_takes_the_waiting_events_with_it(settings):
    settings.OUTBOX_BATCH_SIZE = 200
    users = [UserFactory(), UserFactory()]
    events = _emit(5, users)
    assert outbox.deliver_event(events[3].pk) == 5
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert Notification.objects.count() == 10 and len(mail.outbox) == 10
    assert EmailDelivery.objects.filter(sent_at__isnull=False).count() == 10
    assert outbox.deliver_event(events[0].pk) == 0  # its event went with the first batch: nothing to do


@pytest.mark.django_db
def test_a_task_whose_event_a_batch_already_took_returns_after_one_read(settings, django_assert_num_queries):
    """In a burst most tasks find their event taken: one plain read, no locking transaction."""
    settings.OUTBOX_BATCH_SIZE = 200
    events = _emit(3, [UserFactory()])
    assert outbox.deliver_event(events[0].pk) == 3
    with django_assert_num_queries(1):
        assert outbox.deliver_event(events[2].pk) == 0


@pytest.mark.django_db
def test_a_batch_is_at_most_outbox_batch_size(settings):
    settings.OUTBOX_BATCH_SIZE = 2
    events = _emit(5, [UserFactory()])
    assert outbox.deliver_event(events[4].pk) == 2
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 3
    assert Event.objects.get(pk=events[4].pk).dispatched_at is not None  # its own event is always in it


@pytest.mark.django_db
def test_emails_a_crash_left_unsent_are_sent_by_the_sweeper(settings):
    users = [UserFactory(), UserFactory()]
    event = _emit(1, users)[0]
    outbox.deliver_event(event.pk)
    # as if the worker died between the commit and the mail server: rows there, nothing sent
    EmailDelivery.objects.update(sent_at=None, claimed_at=None)
    mail.outbox.clear()
    assert outbox.send_unsent_emails(older_than=timedelta(0)) == 2
    assert len(mail.outbox) == 2
    assert outbox.send_unsent_emails(older_than=timedelta(0)) == 0  # once


# serialized_rollback: the reference data (regions, content types) is put back after the flush
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_deliveries_never_take_the_same_event(settings):
    settings.OUTBOX_BATCH_SIZE = 7
    users = [UserFactory(), UserFactory()]
    events = _emit(120, users)
    taken: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(offset: int) -> None:
        try:
            barrier.wait()
            for event in events[offset::4]:
                taken.append(outbox.deliver_event(event.pk))
        except BaseException as exc:  # noqa: BLE001  reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(taken) == 120  # each event dispatched by exactly one delivery
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    per_pair = Notification.objects.values("event", "user").annotate(n=Count("id"))
    assert per_pair.count() == 240 and {row["n"] for row in per_pair} == {1}
    assert Event.objects.filter(attempts=1).count() == 120


@pytest.mark.django_db
def test_an_email_being_sent_is_not_sent_again_by_the_sweeper(settings):
    users = [UserFactory(), UserFactory()]
    event = _emit(1, users)[0]
    outbox.deliver_event(event.pk)
    EmailDelivery.objects.update(sent_at=None, claimed_at=timezone.now())  # a sender is at work on them
    mail.outbox.clear()
    assert outbox.send_unsent_emails(older_than=timedelta(0)) == 0 and mail.outbox == []
    # its claim expired (the sender died): now the sweeper sends them, once
    EmailDelivery.objects.update(
        claimed_at=timezone.now() - outbox.EMAIL_CLAIM_EXPIRES - timedelta(seconds=1)
    )
    assert outbox.send_unsent_emails(older_than=timedelta(0)) == 2
    assert outbox.send_unsent_emails(older_than=timedelta(0)) == 0 and len(mail.outbox) == 2


@pytest.mark.django_db
def test_an_event_the_batch_cannot_write_does_not_hold_back_the_others(settings):
    settings.OUTBOX_BATCH_SIZE = 50
    with connection.cursor() as cur:  # fault injection: the database refuses this one event's inbox row
        cur.execute(
            "CREATE FUNCTION pg_temp.refuse_poison() RETURNS trigger AS $$ BEGIN "
            "IF NEW.title = 'poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        cur.execute(
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON portal_notification "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_poison()"
        )
    bad = outbox.emit("test.batch", title="poison", recipients=[UserFactory()])
    good = _emit(3, [UserFactory()])
    # the batch (oldest first: the poison too) failed; its own event and the others it had taken
    # (whose own tasks found them locked and left) went one by one, the poison waits for the sweeper
    assert outbox.deliver_event(good[2].pk) == 3
    assert not Event.objects.filter(pk__in=[e.pk for e in good], dispatched_at__isnull=True).exists()
    assert Event.objects.get(pk=bad.pk).dispatched_at is None
    # a task whose own event is the poison delivers the others, then reports the error
    more = _emit(2, [UserFactory()])
    with pytest.raises(DatabaseError):
        outbox.deliver_event([str(bad.pk), str(more[0].pk)])
    assert not Event.objects.filter(pk__in=[e.pk for e in more], dispatched_at__isnull=True).exists()
    assert Event.objects.get(pk=bad.pk).dispatched_at is None


@pytest.mark.django_db
def test_a_task_s_events_go_in_transactions_of_the_worker_s_batch_size(settings):
    """The emitting side and the worker may be set apart: the worker's OUTBOX_BATCH_SIZE holds."""
    settings.OUTBOX_BATCH_SIZE = 2
    events = _emit(5, [UserFactory()])
    with CaptureQueriesContext(connection) as ctx:
        assert outbox.deliver_event([str(e.pk) for e in events]) == 5
    dispatching = [q for q in ctx.captured_queries if q["sql"].startswith('UPDATE "portal_event"')]
    assert len(dispatching) == 3  # 2 + 2 + 1
    assert Event.objects.filter(attempts=1).count() == 5


def _queued_deliveries() -> list[list[str]]:
    """The delivery tasks waiting in the broker, taken off it (each task's list of event ids)."""
    from config.celery import app

    out = []
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue(app.conf.task_default_queue)
        try:
            while True:
                message = queue.get(block=False)
                if message.headers.get("task") == "portal.tasks.deliver_event_task":
                    out.append(message.payload[0][0])
                message.ack()
        except queue.Empty:
            pass
        finally:
            queue.close()
    return out


# transaction=True: the on-commit callbacks run, as in production; serialized_rollback: the
# reference data (regions, content types) is put back after the flush
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transaction_s_events_go_to_the_worker_in_one_task_per_batch(settings):
    """Not a task per event: a task's batch delivers the others anyway, and each task costs the
    worker a message. An event of a savepoint rolled back, first of the transaction or not, takes
    nothing with it."""
    settings.OUTBOX_BATCH_SIZE = 20
    # ids earlier tests emitted in transactions rolled back would go with this test's first commit
    # (tasks that find no row, as in production after a rollback): counted from a clean slate here
    outbox._emitted.ids = []
    _purge_broker()
    users = [UserFactory()]
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            gone = outbox.emit("test.batch", title="rolled back", recipients=users).pk
            raise RuntimeError
        events = _emit(30, users)
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.emit("test.batch", title="rolled back too", recipients=users)
            raise RuntimeError
        events += _emit(15, users)
    tasks = _queued_deliveries()
    assert [len(ids) for ids in tasks] == [20, 20, 7]  # the 45 events and the two rolled back
    assert {str(e.pk) for e in events} < {pk for ids in tasks for pk in ids}
    assert str(gone) in tasks[0]
    # what the worker does with them: every event delivered, once
    assert sum(outbox.deliver_event(ids) for ids in tasks) == 45
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert Notification.objects.count() == 45

    outbox.emit("test.batch", title="outside a transaction", recipients=users)
    assert [len(ids) for ids in _queued_deliveries()] == [1]  # at once, on its own
    with transaction.atomic():
        _emit(2, users)
        transaction.set_rollback(True)
    assert _queued_deliveries() == []  # nothing committed, nothing sent
