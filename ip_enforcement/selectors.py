"""Reads of this app, scoped to the user and prefetched for what the page shows, so a list costs a
fixed number of queries whatever its length."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from portal.models import Deadline, Organization, OrganizationKind, StateChange, User, content_type_for
from portal.permissions import visible
from portal.selectors import as_rows, lookup

from .models import (
    AssistanceRequest,
    Case,
    Evidence,
    EvidenceAccess,
    JointOperation,
    JournalEntry,
    OperationTask,
    Referral,
)
from .permissions import ENFORCEMENT_DOMAINS

__all__ = [
    "SHARED_RELATIONS",
    "case_list",
    "referral_list",
    "assistance_list",
    "referral_rows",
    "assistance_rows",
    "operation_list",
    "evidence_list",
    "journal_list",
    "evidence_access_list",
    "enforcement_agencies",
    "timeline",
    "case_timeline",
    "open_deadlines",
    "overdue_deadlines",
]


def case_list(*, user: User) -> QuerySet[Case]:
    return visible(user, Case.objects.select_related("agency", "province", "place_region"))


# The case is each row's own (joined); the agencies and provinces are shared by many rows (prefetched,
# one small query each): joining all five cost more in planning than the query's run (bench, issue 10).
SHARED_RELATIONS = ("from_agency", "to_agency", "from_province", "to_province")


def referral_list(*, user: User) -> QuerySet[Referral]:
    return visible(user, Referral.objects.select_related("case").prefetch_related(*SHARED_RELATIONS))


def assistance_list(*, user: User) -> QuerySet[AssistanceRequest]:
    return visible(user, AssistanceRequest.objects.select_related("case").prefetch_related(*SHARED_RELATIONS))


# What the lists (API, pages, Excel exports) show of a referral or an assistance request besides its
# own columns (all read): the case's number and the agencies' names, looked up
# per row (portal.selectors.as_rows).
FLOW_ROW_NAMES = {
    "case_number": lookup(Case, "number", pk="case"),
    "from_agency_name": lookup(Organization, "name", pk="from_agency"),
    "to_agency_name": lookup(Organization, "name", pk="to_agency"),
}


def referral_rows(*, user: User) -> QuerySet[Referral]:
    """Referrals for a list (API, page, export): one model instance per row, where the joined case
    and four prefetch queries (agencies, provinces) built five (bench, issue 10)."""
    return as_rows(referral_list(user=user), names=FLOW_ROW_NAMES)


def assistance_rows(*, user: User) -> QuerySet[AssistanceRequest]:
    """Assistance requests for a list, as ``referral_rows``."""
    return as_rows(assistance_list(user=user), names=FLOW_ROW_NAMES)


def operation_list(*, user: User) -> QuerySet[JointOperation]:
    return visible(
        user,
        JointOperation.objects.select_related("lead_agency", "case").prefetch_related(
            Prefetch("tasks", queryset=OperationTask.objects.select_related("agency"))
        ),
    )


def evidence_list(*, user: User) -> QuerySet[Evidence]:
    return visible(user, Evidence.objects.select_related("attachment", "organization", "uploaded_by", "case"))


def journal_list(*, user: User) -> QuerySet[JournalEntry]:
    return visible(user, JournalEntry.objects.select_related("author", "organization"))


def evidence_access_list(*, user: User, case: Case) -> QuerySet[EvidenceAccess]:
    """The evidence log of one case, for the agencies that may see its evidence."""
    evidence_ids = evidence_list(user=user).filter(case=case).values("pk")
    return EvidenceAccess.objects.filter(evidence_id__in=evidence_ids).select_related(
        "user", "organization", "evidence__attachment"
    )


def enforcement_agencies() -> QuerySet[Organization]:
    return (
        Organization.objects.filter(kind=OrganizationKind.AGENCY, agency_domain__in=ENFORCEMENT_DOMAINS)
        .select_related("province")
        .order_by("province_id", "name")
    )


def timeline(obj) -> QuerySet[StateChange]:
    return StateChange.objects.filter(
        content_type=content_type_for(obj), object_id=str(obj.pk)
    ).select_related("actor")


def case_timeline(*, referrals, requests) -> list[StateChange]:
    """Every step of a case's referrals and assistance requests, oldest first, in one query; each step
    carries ``record`` (the referral or request it belongs to)."""
    by_key = {}
    q = Q(pk__in=[])
    for model, rows in ((Referral, referrals), (AssistanceRequest, requests)):
        if rows:
            ct = content_type_for(model)
            q |= Q(content_type_id=ct.pk, object_id__in=[str(r.pk) for r in rows])
            by_key.update({(ct.pk, str(r.pk)): r for r in rows})
    if not by_key:
        return []
    steps = list(StateChange.objects.filter(q).select_related("actor").order_by("at", "id"))
    for step in steps:
        step.record = by_key.get((step.content_type_id, step.object_id))
    return steps


def open_deadlines(obj) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        content_type=content_type_for(obj),
        object_id=str(obj.pk),
        status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED],
    )


def overdue_deadlines(*, user: User, now) -> QuerySet[Deadline]:
    """Open deadlines of this app's referrals and requests that have passed, visible to the user
    (a coordinator sees those of their region)."""
    kinds = [content_type_for(Referral).pk, content_type_for(AssistanceRequest).pk]
    return (
        visible(
            user,
            Deadline.objects.filter(status=Deadline.Status.OPEN, due_at__lt=now, content_type_id__in=kinds),
        )
        .select_related("responsible_organization", "requester_organization", "responsible_region")
        .order_by("due_at")
    )
