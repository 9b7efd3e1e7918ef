"""Working-day arithmetic over a real holiday, pause/resume, a proposed new date, reminder and
escalation sent once each."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from portal import deadlines, tasks
from portal.deadlines import DeadlineSpec, add_days, days_between, is_working_day
from portal.models import AuditAction, AuditEntry, DayCount, Deadline, DeadlineRule, Event, Holiday
from tests.conftest import api_as
from tests.factories import official
from tests.testapp import services

TZ = ZoneInfo("Asia/Shanghai")
D = datetime.date


@pytest.mark.django_db
def test_national_day_2026_and_its_make_up_days():
    assert not is_working_day(D(2026, 10, 1)) and not is_working_day(D(2026, 10, 7))
    assert is_working_day(D(2026, 9, 20))  # Sunday, make-up working day (调休)
    assert is_working_day(D(2026, 10, 10))  # Saturday, make-up working day
    assert not is_working_day(D(2026, 10, 11))
    # 5 working days from Wednesday 30 September: 8, 9, 10 (Sat, 调休), 12, 13 October
    assert add_days(D(2026, 9, 30), 5, DayCount.WORKING) == D(2026, 10, 13)
    assert add_days(D(2026, 9, 30), 5, DayCount.CALENDAR) == D(2026, 10, 5)
    assert add_days(D(2026, 9, 18), 1, DayCount.WORKING) == D(2026, 9, 20)
    assert days_between(D(2026, 9, 30), D(2026, 10, 13), DayCount.WORKING) == 5
    # 15 working days for a market-regulation clue received on 28 September
    assert add_days(D(2026, 9, 28), 15, DayCount.WORKING) == D(2026, 10, 23)


@pytest.mark.django_db
def test_admins_edit_the_calendar_and_a_region_overrides_the_rule(ticket):
    assert add_days(D(2026, 9, 30), 5, DayCount.WORKING) == D(2026, 10, 13)  # cached calendar
    Holiday.objects.create(date=D(2026, 10, 12), name="test closure")  # the cache follows the edit
    assert add_days(D(2026, 9, 30), 5, DayCount.WORKING) == D(2026, 10, 14)
    DeadlineRule.objects.create(kind="review", region_id="110000", days=3, unit=DayCount.CALENDAR)
    start = datetime.datetime(2026, 9, 30, 10, tzinfo=TZ)
    d = deadlines.open_deadline(ticket, DeadlineSpec("review", 5), region="110000", start=start)
    assert timezone.localtime(d.due_at, TZ).date() == D(2026, 10, 3) and d.unit == DayCount.CALENDAR
    d2 = deadlines.open_deadline(ticket, DeadlineSpec("other", 5), region="120000", start=start)
    assert timezone.localtime(d2.due_at, TZ) == datetime.datetime(2026, 10, 14, 23, 59, 59, tzinfo=TZ)


@pytest.mark.django_db
def test_pause_and_resume_move_the_due_date_by_the_working_days_waited(ticket, applicant, bj_officer):
    services.submit_ticket(ticket, actor=applicant)
    d = Deadline.objects.get(object_id=str(ticket.pk), kind="review")
    services.request_info(ticket, actor=bj_officer, reason="缺少合同")
    d.refresh_from_db()
    assert d.status == "paused" and d.paused_at is not None
    # the applicant answers ten calendar days later
    paused_at = timezone.now() - datetime.timedelta(days=10)
    Deadline.objects.filter(pk=d.pk).update(paused_at=paused_at)
    due_before = d.due_at
    services.provide_info(ticket, actor=applicant)
    d.refresh_from_db()
    waited = days_between(
        timezone.localtime(paused_at, TZ).date(), timezone.localdate(timezone.now(), TZ), DayCount.WORKING
    )
    assert waited >= 6
    expected = add_days(timezone.localtime(due_before, TZ).date(), waited, DayCount.WORKING)
    assert d.status == "open" and timezone.localtime(d.due_at, TZ).date() == expected
    messages = list(
        AuditEntry.objects.filter(action=AuditAction.DEADLINE, object_id=str(ticket.pk)).values_list(
            "message", flat=True
        )
    )
    assert any(m.startswith("paused review") for m in messages)
    assert any(m.startswith("resumed review") for m in messages)


@pytest.mark.django_db
def test_the_receiving_party_proposes_and_the_sender_accepts(ticket, applicant, bj_officer):
    services.submit_ticket(ticket, actor=applicant)
    d = Deadline.objects.get(object_id=str(ticket.pk), kind="review")
    new_due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    url = f"/api/v1/deadlines/{d.pk}/"
    # the sender may not propose, and the receiving party must give a reason
    assert api_as(applicant).post(url + "propose/", {"new_due": new_due, "reason": "x"}).status_code == 403
    resp = api_as(bj_officer).post(url + "propose/", {"new_due": new_due, "reason": ""}, format="json")
    assert resp.status_code == 400 and "reason" in resp.json()["error"]["fields"]
    resp = api_as(bj_officer).post(url + "propose/", {"new_due": new_due, "reason": "需专家鉴定"})
    assert resp.status_code == 200 and resp.json()["proposal_status"] == "proposed"
    assert Event.objects.filter(type="deadline.proposed", recipient_ids__contains=[applicant.pk]).exists()
    # only the sender answers
    assert api_as(bj_officer).post(url + "accept-proposal/").status_code == 403
    resp = api_as(applicant).post(url + "accept-proposal/")
    assert resp.status_code == 200 and resp.json()["proposal_status"] == "accepted"
    d.refresh_from_db()
    assert timezone.localtime(d.due_at, TZ).date().isoformat() == new_due
    assert api_as(applicant).post(url + "accept-proposal/").status_code == 409  # nothing left to answer


@pytest.mark.django_db
def test_reminder_and_escalation_are_sent_once_each(ticket, applicant, bj_officer):
    coordinator = official("110000", coordinator=True)
    services.submit_ticket(ticket, actor=applicant)
    d = Deadline.objects.get(object_id=str(ticket.pk), kind="review")
    Deadline.objects.filter(pk=d.pk).update(due_at=timezone.now() + datetime.timedelta(hours=20))

    assert tasks.scan_deadlines() == {"reminded": 1, "escalated": 0}
    assert tasks.scan_deadlines() == {"reminded": 0, "escalated": 0}
    reminder = Event.objects.get(type="deadline.reminder")
    assert bj_officer.pk in reminder.recipient_ids
    assert AuditEntry.objects.filter(action=AuditAction.REMINDER, object_id=str(ticket.pk)).count() == 1

    Deadline.objects.filter(pk=d.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    assert deadlines.escalate_overdue() == 1
    assert deadlines.escalate_overdue() == 0
    assert deadlines.send_reminders() == 0
    escalation = Event.objects.get(type="deadline.escalated")
    assert coordinator.pk in escalation.recipient_ids
    assert AuditEntry.objects.filter(action=AuditAction.ESCALATION, object_id=str(ticket.pk)).count() == 1
    d.refresh_from_db()
    assert d.is_overdue and d.escalated_at is not None
