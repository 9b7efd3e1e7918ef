"""Due dates on any record, in calendar or working days (China's holidays and 调休 make-up days from
the Holiday table), that pause while waiting on the other party, can be renegotiated, and are watched
by a beat task that reminds before and escalates after, once each."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, outbox
from .exceptions import TransitionNotAllowed, ValidationError
from .models import (
    DayCount,
    Deadline,
    DeadlineRule,
    Holiday,
    Organization,
    Region,
    Role,
    User,
    content_type_for,
    system_user_ids_for,
)

__all__ = [
    "DeadlineSpec",
    "rule_for",
    "is_working_day",
    "add_days",
    "days_between",
    "open_deadline",
    "close_deadlines",
    "pause_deadlines",
    "resume_deadlines",
    "extend_deadline",
    "propose_due_date",
    "answer_proposal",
    "send_reminders",
    "escalate_overdue",
    "open_deadlines_for",
]

TZ = ZoneInfo(settings.TIME_ZONE)
_HOLIDAY_CACHE_KEY = "portal:holidays:v1"


@dataclass(frozen=True)
class DeadlineSpec:
    """A step's default length; a region's DeadlineRule for the same ``kind`` overrides it."""

    kind: str
    days: int
    unit: str = DayCount.WORKING
    label: str = ""


def rule_for(kind: str, region: Region | str | None, default: DeadlineSpec) -> DeadlineRule:
    region_id = region.pk if isinstance(region, Region) else region
    rules = {r.region_id: r for r in DeadlineRule.objects.filter(kind=kind, region_id__in=[region_id, None])}
    rule = rules.get(region_id) or rules.get(None)
    return rule or DeadlineRule(kind=kind, days=default.days, unit=default.unit)


def _exceptions() -> dict[datetime.date, bool]:
    data = cache.get(_HOLIDAY_CACHE_KEY)
    if data is None:
        data = {d.isoformat(): w for d, w in Holiday.objects.values_list("date", "is_workday")}
        cache.set(_HOLIDAY_CACHE_KEY, data, 600)
    return {datetime.date.fromisoformat(k): v for k, v in data.items()}


def invalidate_holiday_cache() -> None:
    cache.delete(_HOLIDAY_CACHE_KEY)


def is_working_day(day: datetime.date, exceptions: dict[datetime.date, bool] | None = None) -> bool:
    exceptions = _exceptions() if exceptions is None else exceptions
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_days(start: datetime.date, days: int, unit: str) -> datetime.date:
    """The date ``days`` days after ``start``; working days skip weekends and holidays and count
    make-up working days."""
    if unit == DayCount.CALENDAR:
        return start + datetime.timedelta(days=days)
    exceptions = _exceptions()
    day, left = start, days
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, exceptions):
            left -= 1
    return day


def days_between(start: datetime.date, end: datetime.date, unit: str) -> int:
    if end <= start:
        return 0
    if unit == DayCount.CALENDAR:
        return (end - start).days
    exceptions = _exceptions()
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day, exceptions):
            count += 1
    return count


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=TZ)


def open_deadline(
    obj: models.Model,
    spec: DeadlineSpec,
    *,
    label: str = "",
    link: str = "",
    region: Region | str | None = None,
    responsible_organization: Organization | None = None,
    responsible_users: Iterable[User] = (),
    requester_organization: Organization | None = None,
    start: datetime.datetime | None = None,
) -> Deadline:
    """Open the due date for step ``spec.kind`` of ``obj``, by the responsible region's rule."""
    region_id = region.pk if isinstance(region, Region) else region
    if region_id is None and responsible_organization is not None:
        region_id = responsible_organization.province_id
    rule = rule_for(spec.kind, region_id, spec)
    start = start or timezone.now()
    due = _end_of_day(add_days(timezone.localtime(start, TZ).date(), rule.days, rule.unit))
    deadline = Deadline.objects.create(
        content_type=content_type_for(obj),
        object_id=str(obj.pk),
        kind=spec.kind,
        label=label or spec.label or spec.kind,
        link=link,
        started_at=start,
        due_at=due,
        days=rule.days,
        unit=rule.unit,
        responsible_organization=responsible_organization,
        responsible_region_id=region_id,
        responsible_user_ids=[u.pk for u in responsible_users],
        requester_organization=requester_organization,
    )
    return deadline


def _open_qs(obj: models.Model, kinds: Iterable[str] | None = None):
    qs = Deadline.objects.filter(
        content_type=content_type_for(obj),
        object_id=str(obj.pk),
        status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED],
    )
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    return qs


def open_deadlines_for(obj: models.Model) -> list[Deadline]:
    return list(_open_qs(obj))


def close_deadlines(obj: models.Model, kinds: Iterable[str] | None = None, *, met: bool = True) -> int:
    """Close the open due dates of ``obj`` (all, or those of ``kinds``): met, or cancelled."""
    status = Deadline.Status.MET if met else Deadline.Status.CANCELLED
    return _open_qs(obj, kinds).update(status=status, closed_at=timezone.now(), paused_at=None)


def pause_deadlines(
    obj: models.Model, kinds: Iterable[str] | None = None, *, actor: User | None = None, reason: str = ""
) -> int:
    """Stop the clock while the record waits on the other party (e.g. expert appraisal)."""
    now = timezone.now()
    n = 0
    for d in _open_qs(obj, kinds).filter(status=Deadline.Status.OPEN).select_for_update():
        d.status, d.paused_at = Deadline.Status.PAUSED, now
        d.save(update_fields=["status", "paused_at"])
        audit.record(audit.AuditAction.DEADLINE, obj, actor=actor, message=f"paused {d.kind}: {reason}")
        n += 1
    return n


def resume_deadlines(
    obj: models.Model, kinds: Iterable[str] | None = None, *, actor: User | None = None
) -> int:
    """Restart the clock; the due date moves by the days spent paused, in the deadline's own unit."""
    now = timezone.now()
    n = 0
    for d in _open_qs(obj, kinds).filter(status=Deadline.Status.PAUSED).select_for_update():
        paused = days_between(
            timezone.localtime(d.paused_at, TZ).date(), timezone.localtime(now, TZ).date(), d.unit
        )
        due_day = add_days(timezone.localtime(d.due_at, TZ).date(), paused, d.unit)
        before = d.due_at
        d.status, d.paused_at, d.due_at = Deadline.Status.OPEN, None, _end_of_day(due_day)
        d.save(update_fields=["status", "paused_at", "due_at"])
        audit.record(
            audit.AuditAction.DEADLINE,
            obj,
            actor=actor,
            changes={"due_at": [before, d.due_at]},
            message=f"resumed {d.kind}",
        )
        n += 1
    return n


def extend_deadline(
    deadline: Deadline, *, days: int, actor: User, reason: str, max_extensions: int = 1
) -> Deadline:
    """Extend once (by default) with a reason, e.g. 立案 decision extended by 15 working days."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    with transaction.atomic():
        d = Deadline.objects.select_for_update().get(pk=deadline.pk)
        if d.status not in (Deadline.Status.OPEN, Deadline.Status.PAUSED):
            raise TransitionNotAllowed(_("This deadline is closed."))
        if d.extensions >= max_extensions:
            raise TransitionNotAllowed(_("This deadline has already been extended."))
        before = d.due_at
        d.due_at = _end_of_day(add_days(timezone.localtime(d.due_at, TZ).date(), days, d.unit))
        d.extensions += 1
        d.reminded_at = None
        d.save(update_fields=["due_at", "extensions", "reminded_at"])
        audit.record(
            audit.AuditAction.DEADLINE,
            d.target,
            actor=actor,
            changes={"due_at": [before, d.due_at]},
            message=f"extended {d.kind}: {reason}",
        )
    return d


def propose_due_date(deadline: Deadline, *, new_due: datetime.date, actor: User, reason: str) -> Deadline:
    """The party that must act proposes a new due date; the requesting party accepts or refuses."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the new date.")})
    with transaction.atomic():
        d = Deadline.objects.select_for_update().get(pk=deadline.pk)
        if d.status not in (Deadline.Status.OPEN, Deadline.Status.PAUSED):
            raise TransitionNotAllowed(_("This deadline is closed."))
        if new_due <= timezone.localdate():
            raise ValidationError({"new_due": _("The new date must be in the future.")})
        d.proposed_due_at = _end_of_day(new_due)
        d.proposal_reason = reason
        d.proposal_status = Deadline.Proposal.PROPOSED
        d.save(update_fields=["proposed_due_at", "proposal_reason", "proposal_status"])
        audit.record(
            audit.AuditAction.DEADLINE, d.target, actor=actor, message=f"proposed {new_due}: {reason}"
        )
        recipients = []
        if d.requester_organization_id:
            recipients = list(
                User.objects.filter(organization_id=d.requester_organization_id, is_active=True)
            )
        outbox.emit(
            "deadline.proposed",
            obj=d.target,
            actor=actor,
            title=_("New due date proposed: %(label)s") % {"label": d.label},
            body=reason,
            link=d.link,
            recipients=recipients,
            organizations=[d.requester_organization_id] if d.requester_organization_id else [],
            payload={"deadline": d.pk, "proposed_due": new_due.isoformat()},
        )
    return d


def answer_proposal(deadline: Deadline, *, accept: bool, actor: User) -> Deadline:
    with transaction.atomic():
        d = Deadline.objects.select_for_update().get(pk=deadline.pk)
        if d.proposal_status != Deadline.Proposal.PROPOSED:
            raise TransitionNotAllowed(_("There is no proposal to answer."))
        before = d.due_at
        if accept:
            d.due_at, d.reminded_at = d.proposed_due_at, None
        d.proposal_status = Deadline.Proposal.ACCEPTED if accept else Deadline.Proposal.REFUSED
        d.save(update_fields=["due_at", "reminded_at", "proposal_status"])
        audit.record(
            audit.AuditAction.DEADLINE,
            d.target,
            actor=actor,
            changes={"due_at": [before, d.due_at]},
            message="proposal accepted" if accept else "proposal refused",
        )
    return d


def _responsible_user_ids(d: Deadline) -> list[int]:
    if d.responsible_user_ids:
        return list(d.responsible_user_ids)
    if d.responsible_organization_id:
        return list(
            User.objects.filter(organization_id=d.responsible_organization_id, is_active=True).values_list(
                "pk", flat=True
            )
        )
    return []


def send_reminders(now: datetime.datetime | None = None) -> int:
    """Remind whoever must act, once per deadline, when it falls due within the reminder window."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status=Deadline.Status.OPEN,
                    reminded_at__isnull=True,
                    due_at__gt=now,
                    due_at__lte=now + settings.DEADLINE_REMINDER_BEFORE,
                )
                .select_related("content_type")[:200]
            )
            if not batch:
                return sent
            for d in batch:
                d.reminded_at = now
                d.save(update_fields=["reminded_at"])
                target = d.target
                audit.record(audit.AuditAction.REMINDER, target, message=f"{d.kind} due {d.due_at:%Y-%m-%d}")
                outbox.emit(
                    "deadline.reminder",
                    obj=target,
                    title=_("Due soon: %(label)s") % {"label": d.label},
                    body=_("Due by %(due)s.")
                    % {"due": timezone.localtime(d.due_at, TZ).strftime("%Y-%m-%d")},
                    link=d.link,
                    recipients=_responsible_user_ids(d),
                    organizations=[d.responsible_organization_id] if d.responsible_organization_id else [],
                    payload={"deadline": d.pk, "kind": d.kind, "due_at": d.due_at.isoformat()},
                )
                sent += 1


def escalate_overdue(now: datetime.datetime | None = None) -> int:
    """Tell the responsible region's coordinators, once per deadline, that it has passed."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Deadline.Status.OPEN, escalated_at__isnull=True, due_at__lte=now)
                .select_related("content_type")[:200]
            )
            if not batch:
                return sent
            for d in batch:
                d.escalated_at = now
                d.save(update_fields=["escalated_at"])
                target = d.target
                coordinators = system_user_ids_for([Role.REGION_COORDINATOR], d.responsible_region_id)
                audit.record(
                    audit.AuditAction.ESCALATION,
                    target,
                    message=f"{d.kind} overdue since {d.due_at:%Y-%m-%d}",
                )
                outbox.emit(
                    "deadline.escalated",
                    obj=target,
                    title=_("Overdue: %(label)s") % {"label": d.label},
                    body=_("Was due by %(due)s.")
                    % {"due": timezone.localtime(d.due_at, TZ).strftime("%Y-%m-%d")},
                    link=d.link,
                    recipients=coordinators + _responsible_user_ids(d),
                    organizations=[
                        o for o in (d.responsible_organization_id, d.requester_organization_id) if o
                    ],
                    payload={"deadline": d.pk, "kind": d.kind, "due_at": d.due_at.isoformat()},
                )
                sent += 1
