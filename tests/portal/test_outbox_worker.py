"""The outbox with a real Celery worker: nothing lost when the worker is killed mid-way, and webhooks
signed so that a partner verifies them with the shared secret."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from portal import outbox, tasks
from portal.models import EmailDelivery, Event, Notification, WebhookDelivery, WebhookSubscription
from tests.conftest import _purge_broker, wait_for
from tests.factories import OrganizationFactory, UserFactory

from .webhook_server import Endpoint

N = 400


@pytest.mark.celery_worker
def test_a_killed_worker_loses_nothing(celery_worker):
    users = [UserFactory() for _ in range(3)]
    with transaction.atomic():
        for i in range(N):
            outbox.emit("test.crash", title=f"event {i}", recipients=users)

    def dispatched():
        return Event.objects.filter(dispatched_at__isnull=False).count()

    wait_for(lambda: dispatched() >= 10, timeout=60, interval=0.02)
    celery_worker.kill()  # SIGKILL, mid-way through the queue
    killed_at = timezone.now()
    assert dispatched() < N
    left = outbox.undelivered_event_ids(older_than=timedelta(0))
    assert left

    _purge_broker()  # the queued messages gone too: only the sweeper can finish the work
    celery_worker.start()
    # the message being handled when the worker died stays unacknowledged in the broker for an hour
    # (visibility timeout): the sweeper re-enqueues every event not yet dispatched
    assert tasks.sweep_outbox(older_than_seconds=0) > 0
    wait_for(lambda: dispatched() == N, timeout=120, interval=0.2)

    assert outbox.undelivered_event_ids(older_than=timedelta(0)) == []
    assert Notification.objects.count() == N * len(users)
    per_event = Notification.objects.values("event").annotate(n=Count("id")).values_list("n", flat=True)
    assert set(per_event) == {len(users)}
    assert set(Notification.objects.values("user").annotate(n=Count("id")).values_list("n", flat=True)) == {N}
    # e-mails the killed worker had claimed but not sent wait until their claim expires (no one else
    # sends them meanwhile): once the new worker has sent all of its own, let that time pass and sweep
    unsent = EmailDelivery.objects.filter(sent_at__isnull=True)
    wait_for(lambda: not unsent.exclude(claimed_at__lt=killed_at).exists(), timeout=60, interval=0.2)
    unsent.update(claimed_at=F("claimed_at") - outbox.EMAIL_CLAIM_EXPIRES)
    tasks.sweep_outbox(older_than_seconds=0)
    assert EmailDelivery.objects.filter(sent_at__isnull=False).count() == N * len(users)


@pytest.mark.celery_worker
def test_webhook_signature_verifies_with_the_shared_secret(celery_worker):
    partner = OrganizationFactory()
    user = UserFactory(organization=partner)
    with Endpoint() as endpoint:
        sub = WebhookSubscription.objects.create(
            organization=partner, url=endpoint.url, event_types=["ticket.*"], secret=outbox.secret_new()
        )
        with transaction.atomic():
            event = outbox.emit(
                "ticket.accept",
                title="受理",
                recipients=[user],
                organizations=[partner],
                payload={"to": "accepted"},
            )
            outbox.emit("other.thing", title="not subscribed", organizations=[partner])
        wait_for(lambda: endpoint.requests, timeout=30)
        wait_for(
            lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).exists(),
            timeout=30,
        )
        body, headers = endpoint.requests[0]
    assert len(endpoint.requests) == 1  # the other event type is not sent
    assert headers["webhook-id"] == str(event.id)
    payload = Webhook(sub.secret).verify(body, headers)
    assert payload["type"] == "ticket.accept"
    assert payload["data"]["id"] == str(event.id) and payload["data"]["to"] == "accepted"
    with pytest.raises(WebhookVerificationError):
        Webhook(outbox.secret_new()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(sub.secret).verify(body.replace(b"accepted", b"rejected"), headers)
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.attempts == 1 and delivery.attempt_log.get().status_code == 200
    assert Notification.objects.filter(event=event, user=user).count() == 1
