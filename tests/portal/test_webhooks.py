"""Webhook retries with backoff, each attempt logged; failed deliveries visible and replayable."""

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from portal import outbox
from portal.models import AuditAction, AuditEntry, WebhookDelivery, WebhookSubscription
from portal.outbox import RETRY_SCHEDULE_SECONDS
from tests.conftest import api_as
from tests.factories import OrganizationFactory, UserFactory

from .webhook_server import Endpoint


def _delivery(endpoint_url: str, org=None) -> WebhookDelivery:
    org = org or OrganizationFactory()
    sub = WebhookSubscription.objects.create(
        organization=org, url=endpoint_url, event_types=["*"], secret=outbox.secret_new()
    )
    event = outbox.emit("ticket.accept", title="t", organizations=[org])
    return WebhookDelivery.objects.create(event=event, subscription=sub)


def _make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


@pytest.mark.django_db
def test_retry_schedule_then_delivered_on_the_third_attempt():
    with Endpoint(fail_first=2) as endpoint:
        d = _delivery(endpoint.url)
        before = timezone.now()
        outbox.send_webhook(d.pk)
        d.refresh_from_db()
        assert (d.status, d.attempts, d.last_error) == ("pending", 1, "HTTP 500")
        wait = (d.next_attempt_at - before).total_seconds()
        assert RETRY_SCHEDULE_SECONDS[1] - 1 <= wait <= RETRY_SCHEDULE_SECONDS[1] + 5

        outbox.send_webhook(d.pk)  # not due yet: nothing sent
        assert len(endpoint.requests) == 1
        assert d.pk not in outbox.due_webhook_ids()

        _make_due(d)
        assert d.pk in outbox.due_webhook_ids()
        before = timezone.now()
        outbox.send_webhook(d.pk)
        d.refresh_from_db()
        assert d.attempts == 2
        wait = (d.next_attempt_at - before).total_seconds()
        assert RETRY_SCHEDULE_SECONDS[2] - 1 <= wait <= RETRY_SCHEDULE_SECONDS[2] + 5

        _make_due(d)
        outbox.send_webhook(d.pk)
        d.refresh_from_db()
        assert (d.status, d.attempts, d.last_error) == ("delivered", 3, "")
        assert [a.status_code for a in d.attempt_log.all()] == [500, 500, 200]
        # every attempt carries the same webhook-id (the event's idempotency key) and a valid signature
        assert {h["webhook-id"] for _b, h in endpoint.requests} == {str(d.event_id)}
        for body, headers in endpoint.requests:
            Webhook(d.subscription.secret).verify(body, headers)


@pytest.mark.django_db
def test_failed_deliveries_are_visible_and_replayable(settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    partner = OrganizationFactory()
    operator = UserFactory(organization=partner)
    stranger = UserFactory()
    with Endpoint(always_fail=True) as endpoint:
        d = _delivery(endpoint.url, partner)
        outbox.send_webhook(d.pk)
        _make_due(d)
        outbox.send_webhook(d.pk)
        d.refresh_from_db()
        assert d.status == "failed" and d.attempts == 2

        failed = api_as(operator).get("/api/v1/webhook-deliveries/", {"status": "failed"}).json()["results"]
        assert [r["id"] for r in failed] == [d.pk]
        assert api_as(stranger).get("/api/v1/webhook-deliveries/").json()["results"] == []
        assert api_as(stranger).post(f"/api/v1/webhook-deliveries/{d.pk}/replay/").status_code == 404

        endpoint.always_fail = False
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            resp = api_as(operator).post(f"/api/v1/webhook-deliveries/{d.pk}/replay/")
        assert resp.status_code == 200 and resp.json()["status"] == "pending"
        assert len(callbacks) == 1  # the send is queued after commit
        outbox.send_webhook(d.pk)
        d.refresh_from_db()
        assert d.status == "delivered"
        assert d.attempt_log.count() == 3
        assert AuditEntry.objects.filter(action=AuditAction.UPDATE, message=f"webhook replay {d.pk}").exists()


@pytest.mark.django_db
def test_webhook_subscription_api_creates_a_secret_for_the_callers_organization():
    partner = OrganizationFactory()
    operator = UserFactory(organization=partner)
    resp = api_as(operator).post(
        "/api/v1/webhook-subscriptions/",
        {"url": "https://partner.example.invalid/hook", "event_types": ["ticket.*"]},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    sub = WebhookSubscription.objects.get(pk=resp.json()["id"])
    assert sub.organization_id == partner.pk and sub.secret.startswith("whsec_")
    assert sub.wants("ticket.accept") and not sub.wants("voucher.issued")
    assert timezone.now() - sub.created_at < timedelta(minutes=1)
