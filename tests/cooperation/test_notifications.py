"""Events for the other parties (inbox, e-mail, webhooks through the outbox), attachments, and the
progress-report deadline's reminder and escalation."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cooperation import services
from cooperation.models import Project
from portal import deadlines, outbox
from portal.models import Deadline, Event, Notification, WebhookDelivery, WebhookSubscription
from tests.conftest import api_as
from tests.cooperation.factories import Cast, draft, open_programme

pytestmark = pytest.mark.django_db

API = "/api/v1/cooperation"


@pytest.fixture
def cast():
    return Cast()


def test_submission_notifies_the_lead_region_and_signals_the_partners_webhooks(cast):
    programme, topic = open_programme(cast)
    sub = WebhookSubscription.objects.create(
        organization=cast.partner.organization,
        url="http://127.0.0.1:9/hook",
        event_types=["cooperation.*"],
        secret="whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=",
    )
    app = draft(cast, programme, topic)
    services.submit_application(app, actor=cast.applicant)
    event = Event.objects.get(type="cooperation.application.submit")
    assert cast.tj_officer.pk in event.recipient_ids and cast.tj_coord.pk in event.recipient_ids
    assert cast.applicant.pk not in event.recipient_ids
    assert {programme.organizer_id, cast.partner.organization_id} <= set(event.organization_ids)
    outbox.deliver_event(event.pk)
    assert Notification.objects.filter(user=cast.tj_officer, event=event).exists()
    assert any(cast.tj_officer.email in m.to for m in mail.outbox)
    assert WebhookDelivery.objects.filter(event=event, subscription=sub).exists()


def test_return_for_changes_tells_the_applicant_the_reason(cast):
    programme, topic = open_programme(cast)
    app = draft(cast, programme, topic)
    services.submit_application(app, actor=cast.applicant)
    services.return_application(app, actor=cast.tj_officer, reason="请补充预算说明")
    event = Event.objects.get(type="cooperation.application.return_for_changes")
    assert event.body == "请补充预算说明" and cast.applicant.pk in event.recipient_ids
    resubmit = Deadline.objects.get(kind="coop_resubmit", status="open")
    assert resubmit.responsible_organization_id == cast.applicant.organization_id


def test_attachments_are_checked_and_only_for_drafts(cast):
    programme, topic = open_programme(cast)
    app = draft(cast, programme, topic)
    client = api_as(cast.applicant)
    pdf = SimpleUploadedFile("计划书.pdf", b"%PDF-1.4\n plan", content_type="application/pdf")
    r = client.post(f"{API}/applications/{app.pk}/attachments/", {"file": pdf}, format="multipart")
    assert r.status_code == 201 and len(r.json()["sha256"]) == 64
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", content_type="application/pdf")
    r = client.post(f"{API}/applications/{app.pk}/attachments/", {"file": bad}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()["error"]["fields"]
    assert client.post(f"{API}/applications/{app.pk}/attachments/", {}, format="multipart").status_code == 400
    services.submit_application(app, actor=cast.applicant)
    pdf.seek(0)
    r = client.post(f"{API}/applications/{app.pk}/attachments/", {"file": pdf}, format="multipart")
    assert r.status_code == 403


def _project(cast) -> Project:
    programme, topic = open_programme(cast)
    app = draft(cast, programme, topic)
    services.submit_application(app, actor=cast.applicant)
    services.accept_application(app, actor=cast.tj_officer)
    review = services.assign_expert(app, actor=cast.tj_coord, expert=cast.expert1)
    services.submit_review(
        review, actor=cast.expert1, innovation=20, feasibility=20, team=20, collaboration=20, comments="好"
    )
    services.finish_review(app, actor=cast.tj_coord)
    services.approve_application(app, actor=cast.bj_officer)
    services.approve_application(app, actor=cast.tj_officer)
    return Project.objects.get(application=app)


def test_progress_report_reminds_then_escalates_to_the_region(cast):
    project = _project(cast)
    due = timezone.localdate() + datetime.timedelta(days=10)
    report = services.schedule_report(project, actor=cast.tj_officer, period="2026H1", due_date=due)
    d = Deadline.objects.get(kind="coop_report", object_id=str(report.pk))
    assert timezone.localtime(d.due_at).date() == due
    assert d.responsible_organization_id == cast.applicant.organization_id
    assert deadlines.send_reminders(now=d.due_at - datetime.timedelta(days=1)) == 1
    reminder = Event.objects.get(type="deadline.reminder")
    assert cast.applicant.pk in reminder.recipient_ids
    assert deadlines.escalate_overdue(now=d.due_at + datetime.timedelta(hours=1)) == 1
    escalated = Event.objects.get(type="deadline.escalated")
    assert cast.bj_coord.pk in escalated.recipient_ids  # the lead organization's region is Beijing
    # submitting the report closes the deadline
    services.submit_report(report, actor=cast.applicant, content="进展顺利")
    d.refresh_from_db()
    assert d.status == Deadline.Status.MET


def test_disbursements_are_held_to_what_each_region_granted(cast):
    project = _project(cast)
    services.record_disbursement(project, actor=cast.tj_officer, amount="700000", paid_on="2026-12-01")
    with pytest.raises(services.ValidationError):
        services.record_disbursement(project, actor=cast.tj_officer, amount="0.01", paid_on="2026-12-01")
    with pytest.raises(services.ValidationError):
        services.record_disbursement(project, actor=cast.bj_officer, amount="-5", paid_on="2026-12-01")
