"""Deadlines of referrals and requests: reminders and escalation to the receiving region's
coordinator fire once each; appraisal time does not count; the referring agency sees the overdue step."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from ip_enforcement import services
from portal import deadlines
from portal.models import Deadline, Event

from .factories import ip_officer, make_referral, make_request

pytestmark = pytest.mark.django_db


def _deadline(obj, kind):
    return Deadline.objects.get(object_id=str(obj.pk), kind=kind, status__in=["open", "paused"])


def test_acknowledgement_reminder_and_escalation_fire_once(bj, tj):
    tj_coord = ip_officer("120000", coordinator=True)
    bj_coord = ip_officer("110000", coordinator=True)
    ref = make_referral(bj, tj.organization)
    ack = _deadline(ref, "ip.referral.acknowledge")
    assert ack.days == 3 and ack.unit == "working" and ack.responsible_region_id == "120000"
    decide = _deadline(ref, "ip.referral.decide")
    assert decide.days == 15

    before = ack.due_at - datetime.timedelta(hours=12)
    assert deadlines.send_reminders(now=before) == 1
    assert deadlines.send_reminders(now=before) == 0
    reminder = Event.objects.get(type="deadline.reminder")
    assert tj.pk in reminder.recipient_ids

    after = ack.due_at + datetime.timedelta(hours=1)
    assert deadlines.escalate_overdue(now=after) == 1
    assert deadlines.escalate_overdue(now=after) == 0
    escalated = Event.objects.get(type="deadline.escalated")
    assert tj_coord.pk in escalated.recipient_ids and bj_coord.pk not in escalated.recipient_ids
    assert set(escalated.organization_ids) == {tj.organization_id, bj.organization_id}


def test_assistance_request_deadlines_escalate_once(bj, tj):
    tj_coord = ip_officer("120000", coordinator=True)
    req = make_request(bj, tj.organization)
    answer = _deadline(req, "ip.assistance.answer")
    assert (
        deadlines.escalate_overdue(now=answer.due_at + datetime.timedelta(days=1)) == 2
    )  # acknowledge and answer
    assert deadlines.escalate_overdue(now=answer.due_at + datetime.timedelta(days=2)) == 0
    assert all(tj_coord.pk in e.recipient_ids for e in Event.objects.filter(type="deadline.escalated"))


def test_appraisal_pauses_the_decision_clock_and_extension_is_once(bj, tj):
    ref = make_referral(bj, tj.organization)
    services.acknowledge_referral(ref, actor=tj)
    due = _deadline(ref, "ip.referral.decide").due_at
    services.start_appraisal(ref, actor=tj, reason="委托鉴定机构比对")
    assert _deadline(ref, "ip.referral.decide").status == "paused"
    # a paused deadline is never escalated
    assert deadlines.escalate_overdue(now=due + datetime.timedelta(days=60)) == 0
    services.end_appraisal(ref, actor=tj)
    d = _deadline(ref, "ip.referral.decide")
    assert d.status == "open" and d.due_at >= due
    extended = services.extend_referral_decision(ref, actor=tj, reason="案情复杂")
    assert deadlines.days_between(d.due_at.date(), extended.due_at.date(), "working") == 15
    with pytest.raises(services.TransitionNotAllowed):
        services.extend_referral_decision(ref, actor=tj, reason="再次延长")
    with pytest.raises(services.PermissionDenied):
        services.extend_referral_decision(ref, actor=bj, reason="x")


def test_coordinator_overview_shows_overdue_steps_of_the_region(client, bj, tj, hb):
    tj_coord = ip_officer("120000", coordinator=True)
    hb_coord = ip_officer("130000", coordinator=True)
    ref = make_referral(bj, tj.organization)
    Deadline.objects.filter(object_id=str(ref.pk)).update(
        due_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    client.force_login(tj_coord)
    body = client.get(reverse("ip_enforcement:overview")).content.decode()
    assert "overdue" in body and ref.number in body
    client.force_login(hb_coord)
    body = client.get(reverse("ip_enforcement:overview")).content.decode()
    assert ref.number not in body
    # the referring agency sees where its referral stands
    client.force_login(bj)
    assert "overdue" in client.get(reverse("ip_enforcement:referral_list")).content.decode()
