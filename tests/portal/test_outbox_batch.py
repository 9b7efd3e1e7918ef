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
    EmailDelivery.objects.update(sent_at=None)
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
