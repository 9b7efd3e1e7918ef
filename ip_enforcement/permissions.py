"""Row-level policies (portal.permissions.Policy) for this app's records.

An agency sees a case only while it is involved (CaseAgency); a region's coordinator sees the cases
and flows touching their region; a right holder sees the complaints their organization filed (not
the journal, nor the evidence).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from portal.models import AgencyDomain, OrganizationKind, Role
from portal.permissions import ALLOW, Policy, deny, is_platform_admin, register

from .models import (
    AssistanceRequest,
    Case,
    CaseAgency,
    Evidence,
    JointOperation,
    JournalEntry,
    Referral,
)

__all__ = [
    "ENFORCEMENT_DOMAINS",
    "is_enforcement_officer",
    "is_coordinator",
    "is_complainant",
    "CasePolicy",
    "ReferralPolicy",
    "AssistanceRequestPolicy",
    "JointOperationPolicy",
    "EvidencePolicy",
    "JournalEntryPolicy",
]

ENFORCEMENT_DOMAINS = (AgencyDomain.INTELLECTUAL_PROPERTY, AgencyDomain.MARKET_REGULATION)


def _org(user):
    return getattr(user, "organization", None) if getattr(user, "organization_id", None) else None


def is_enforcement_officer(user) -> bool:
    """An officer or coordinator of an IP or market-regulation agency."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(
        Role.AGENCY_OFFICER, Role.REGION_COORDINATOR
    ):
        return False
    org = _org(user)
    return bool(org and org.kind == OrganizationKind.AGENCY and org.agency_domain in ENFORCEMENT_DOMAINS)


def is_coordinator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(Role.REGION_COORDINATOR))


def is_complainant(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.organization_id
        and user.has_role(Role.ENTERPRISE_MEMBER, Role.PROVIDER_MEMBER)
    )


def involved_q(user, case_field: str = "pk", *, coordinators: bool = True) -> Q:
    """Rows whose case involves the user's agency (or, for a coordinator, an agency of their region)."""
    if not is_enforcement_officer(user) and not is_coordinator(user):
        return Q(pk__in=[])
    cond = Q(organization_id=user.organization_id)
    if coordinators and is_coordinator(user) and user.province_id:
        cond |= Q(province_id=user.province_id)
    return Q(Exists(CaseAgency.objects.filter(cond, case_id=OuterRef(case_field))))


def is_involved(user, case, *, coordinators: bool = False) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.organization_id:
        return False
    if not (is_enforcement_officer(user) or is_coordinator(user)):
        return False
    cond = Q(organization_id=user.organization_id)
    if coordinators and is_coordinator(user) and user.province_id:
        cond |= Q(province_id=user.province_id)
    return CaseAgency.objects.filter(cond, case_id=case.pk).exists()


@register
class CasePolicy(Policy):
    model = Case

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        q = involved_q(user)
        if is_complainant(user):
            q |= Q(complainant_organization_id=user.organization_id)
        return queryset.filter(q)

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        if action in ("refer", "request_assistance", "add_journal", "add_evidence"):
            if is_involved(user, obj) and is_enforcement_officer(user):
                return ALLOW
            return deny(_("Only an agency involved in this case may do this."))
        if action == "close":
            if is_enforcement_officer(user) and obj.agency_id == user.organization_id:
                return ALLOW
            return deny(_("Only the handling agency may close the case."))
        return deny(_("You may not do this."))


class _FlowPolicy(Policy):
    """Referrals and assistance requests: the two agencies, and the coordinators of their regions."""

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        if not (is_enforcement_officer(user) or is_coordinator(user)):
            return queryset.none()
        q = Q(from_agency_id=user.organization_id) | Q(to_agency_id=user.organization_id)
        if is_coordinator(user) and user.province_id:
            q |= Q(from_province_id=user.province_id) | Q(to_province_id=user.province_id)
        return queryset.filter(q)

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        if action == "extend":
            if is_enforcement_officer(user) and obj.to_agency_id == user.organization_id:
                return ALLOW
            return deny(_("Only the receiving agency may extend its deadline."))
        return deny(_("You may not do this."))


@register
class ReferralPolicy(_FlowPolicy):
    model = Referral


@register
class AssistanceRequestPolicy(_FlowPolicy):
    model = AssistanceRequest


@register
class JointOperationPolicy(Policy):
    model = JointOperation

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        if not (is_enforcement_officer(user) or is_coordinator(user)):
            return queryset.none()
        from .models import OperationTask

        q = Q(lead_agency_id=user.organization_id) | Q(
            Exists(OperationTask.objects.filter(operation_id=OuterRef("pk"), agency_id=user.organization_id))
        )
        if is_coordinator(user) and user.province_id:
            q |= Q(lead_agency__province_id=user.province_id) | Q(
                Exists(
                    OperationTask.objects.filter(
                        operation_id=OuterRef("pk"), agency__province_id=user.province_id
                    )
                )
            )
        return queryset.filter(q)

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        if action == "manage":
            if is_enforcement_officer(user) and obj.lead_agency_id == user.organization_id:
                return ALLOW
            return deny(_("Only the lead agency may manage the operation."))
        return deny(_("You may not do this."))


@register
class EvidencePolicy(Policy):
    """Evidence is seen by the agencies involved in its case, never by others (not even coordinators
    of a region whose agencies are not involved)."""

    model = Evidence

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        return queryset.filter(involved_q(user, "case_id", coordinators=False))

    def can(self, user, action, obj):
        if action in ("view", "download"):
            return (
                ALLOW if is_involved(user, obj.case) else deny(_("Your agency is not involved in this case."))
            )
        return deny(_("You may not do this."))


@register
class JournalEntryPolicy(Policy):
    model = JournalEntry

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        return queryset.filter(involved_q(user, "case_id", coordinators=False))
