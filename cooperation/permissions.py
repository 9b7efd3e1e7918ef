"""Row-level policies (portal.permissions.Policy) for this app's records.

Officials (agency officers and region coordinators) see the programmes and, once submitted, the
applications, reviews and projects of the programmes their province takes part in. Applicants see
their own organization's applications and projects, never a review. Experts see the applications
they are assigned to and only their own reviews.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from portal.models import Role
from portal.permissions import ALLOW, Policy, deny, is_platform_admin, official_province_id, register

from .models import (
    Application,
    ApplicationState,
    Consortium,
    Disbursement,
    Milestone,
    Participant,
    Programme,
    ProgrammeState,
    ProgressReport,
    Project,
    Review,
    ReviewState,
    Topic,
)

__all__ = [
    "PUBLISHED_PROGRAMME_STATES",
    "is_lead_official",
    "is_programme_official",
    "can_see_scores",
]

PUBLISHED_PROGRAMME_STATES = (ProgrammeState.OPEN, ProgrammeState.CLOSED, ProgrammeState.FINISHED)


def _programme_ids_of_province(province_id: str):
    return Programme.objects.filter(region_shares__region_id=province_id).values("pk")


def is_lead_official(user, programme: Programme, *, coordinator: bool = False) -> bool:
    province = official_province_id(user)
    if province is None or province != programme.lead_region_id:
        return False
    return not coordinator or user.has_role(Role.REGION_COORDINATOR)


def is_programme_official(user, programme: Programme) -> bool:
    province = official_province_id(user)
    return province is not None and programme.region_shares.filter(region_id=province).exists()


def can_see_scores(user, application: Application) -> bool:
    """Scores and the ranking are for the officials of the programme's regions only."""
    return is_platform_admin(user) or is_programme_official(user, application.programme)


@register
class ProgrammePolicy(Policy):
    model = Programme

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user) or official_province_id(user):
            return queryset
        if user.is_authenticated:
            return queryset.filter(state__in=PUBLISHED_PROGRAMME_STATES)
        return queryset.none()

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        if action == "change":
            if obj.state != ProgrammeState.DRAFT:
                return deny(_("Only a draft programme can be changed."))
            if is_lead_official(user, obj):
                return ALLOW
            return deny(_("Only officials of the lead region may change the programme."))
        if action == "create":
            return ALLOW if official_province_id(user) else deny(_("Only officials may set up programmes."))
        return deny(_("You may not do this."))


@register
class TopicPolicy(Policy):
    model = Topic

    def scope(self, user, queryset, action="view"):
        return queryset.filter(programme__in=ProgrammePolicy().scope(user, Programme.objects.all(), action))


def _application_scope(user, queryset):
    if is_platform_admin(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    province = official_province_id(user)
    if province:
        return queryset.filter(programme__in=_programme_ids_of_province(province)).exclude(
            state=ApplicationState.DRAFT
        )
    q = Q(pk__in=[])
    if user.organization_id:
        q |= Q(
            pk__in=Participant.objects.filter(organization_id=user.organization_id).values("application_id")
        )
    if user.has_role(Role.EXPERT_REVIEWER):
        q |= Q(
            pk__in=Review.objects.filter(expert_id=user.pk)
            .exclude(state=ReviewState.CONFLICT)
            .values("application_id")
        )
    return queryset.filter(q)


@register
class ApplicationPolicy(Policy):
    model = Application

    def scope(self, user, queryset, action="view"):
        return _application_scope(user, queryset)

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        if action == "change":
            if obj.state not in (ApplicationState.DRAFT, ApplicationState.RETURNED):
                return deny(_("Only a draft or returned application can be changed."))
            if user.is_authenticated and user.organization_id == obj.lead_organization_id:
                return ALLOW
            return deny(_("Only the lead organization may change its application."))
        if action == "assign_expert":
            if obj.state != ApplicationState.UNDER_REVIEW:
                return deny(_("Experts are assigned while the application is under expert review."))
            if user.has_role(Role.REGION_COORDINATOR) and is_programme_official(user, obj.programme):
                return ALLOW
            return deny(_("Only the coordinators of the programme's regions assign experts."))
        return deny(_("You may not do this."))


@register
class ReviewPolicy(Policy):
    model = Review

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user):
            return queryset
        if not user.is_authenticated:
            return queryset.none()
        province = official_province_id(user)
        if province:
            return queryset.filter(application__programme__in=_programme_ids_of_province(province))
        if user.has_role(Role.EXPERT_REVIEWER):
            return queryset.filter(expert_id=user.pk)
        return queryset.none()


def _project_scope(user, queryset, prefix=""):
    if is_platform_admin(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    province = official_province_id(user)
    if province:
        return queryset.filter(**{f"{prefix}programme__in": _programme_ids_of_province(province)})
    if user.organization_id:
        return queryset.filter(
            **{
                f"{prefix}application__in": Participant.objects.filter(
                    organization_id=user.organization_id
                ).values("application_id")
            }
        )
    return queryset.none()


@register
class ProjectPolicy(Policy):
    model = Project

    def scope(self, user, queryset, action="view"):
        return _project_scope(user, queryset)


@register
class MilestonePolicy(Policy):
    model = Milestone

    def scope(self, user, queryset, action="view"):
        return _project_scope(user, queryset, "project__")


@register
class ProgressReportPolicy(Policy):
    model = ProgressReport

    def scope(self, user, queryset, action="view"):
        return _project_scope(user, queryset, "project__")


@register
class DisbursementPolicy(Policy):
    model = Disbursement

    def scope(self, user, queryset, action="view"):
        return _project_scope(user, queryset, "project__")


@register
class ConsortiumPolicy(Policy):
    model = Consortium

    def scope(self, user, queryset, action="view"):
        return queryset if user.is_authenticated else queryset.none()

    def can(self, user, action, obj):
        if action == "view":
            return ALLOW if user.is_authenticated else deny(_("Sign in first."))
        if official_province_id(user) or is_platform_admin(user):
            return ALLOW
        return deny(_("Only officials keep the registry of consortia and joint labs."))
