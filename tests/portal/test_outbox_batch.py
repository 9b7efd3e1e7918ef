"""The outbox delivers in batches: one delivery takes the other committed events still waiting with
it, in one transaction; concurrent deliveries never take the same event; e-mails a crash left unsent
are sent by the sweeper."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from portal import outbox
from portal.models import EmailDelivery, Event, Notification
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
    assert outbox.deliver_event(good[2].pk) == 1  # the batch (oldest first: the poison too) failed
    assert Event.objects.get(pk=good[2].pk).dispatched_at is not None  # its own event went alone
    assert Event.objects.get(pk=bad.pk).dispatched_at is None  # the poison waits for the sweeper
