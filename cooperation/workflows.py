"""The states and steps of programmes, applications, reviews, projects, reports and consortia, as data."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.deadlines import DeadlineSpec
from portal.models import OFFICIAL_ROLES, DayCount, Role, User
from portal.permissions import Decision, official_province_id
from portal.workflow import Effect, Transition, Workflow

from .models import (
    ApplicationState,
    ConsortiumStatus,
    ProgrammeState,
    ProjectState,
    ReportState,
    ReviewState,
)
from .permissions import is_lead_official

__all__ = [
    "PROGRAMME_WORKFLOW",
    "APPLICATION_WORKFLOW",
    "REVIEW_WORKFLOW",
    "PROJECT_WORKFLOW",
    "REPORT_WORKFLOW",
    "CONSORTIUM_WORKFLOW",
    "officials_of",
    "members_of",
    "funding_region_ids",
    "FORMAL_CHECK",
    "RESUBMIT",
    "REVIEW",
    "MIDTERM",
    "ACCEPTANCE",
]

FORMAL_CHECK = DeadlineSpec("coop_formal_check", 5, DayCount.WORKING, gettext_lazy("formal check"))
RESUBMIT = DeadlineSpec("coop_resubmit", 10, DayCount.WORKING, gettext_lazy("resubmit the application"))
REVIEW = DeadlineSpec("coop_review", 10, DayCount.WORKING, gettext_lazy("expert review"))
MIDTERM = DeadlineSpec("coop_midterm", 20, DayCount.WORKING, gettext_lazy("mid-term review"))
ACCEPTANCE = DeadlineSpec("coop_acceptance", 30, DayCount.WORKING, gettext_lazy("final acceptance"))


# --------------------------------------------------------------------------- recipients


def officials_of(province_ids, *, coordinators_only: bool = False):
    roles = [Role.REGION_COORDINATOR] if coordinators_only else list(OFFICIAL_ROLES)
    return User.objects.filter(
        is_active=True, memberships__role__in=roles, organization__province_id__in=list(province_ids)
    ).distinct()


def members_of(org_ids):
    return User.objects.filter(is_active=True, organization_id__in=list(org_ids))


def programme_region_ids(programme) -> list[str]:
    return list(programme.region_shares.values_list("region_id", flat=True))


def funding_region_ids(application) -> list[str]:
    """The regions that fund organizations of the team (each region funds its own)."""
    return sorted(set(application.participants.filter(budget__gt=0).values_list("province_id", flat=True)))


def participant_org_ids(application) -> list[int]:
    return list(application.participants.values_list("organization_id", flat=True))


# --------------------------------------------------------------------------- who may


def _lead_official(user, programme, coordinator=False) -> Decision:
    if is_lead_official(user, programme, coordinator=coordinator):
        return Decision(True)
    if coordinator:
        return Decision(False, _("Only the lead region's coordinator may do this."))
    return Decision(False, _("Only officials of the lead region may do this."))


def _pending_region_coordinator(user, programme) -> Decision:
    province = official_province_id(user)
    if province is None or not user.has_role(Role.REGION_COORDINATOR):
        return Decision(False, _("Only the coordinators of the participating regions approve a programme."))
    share = programme.region_shares.filter(region_id=province).first()
    if share is None:
        return Decision(False, _("Your region does not take part in this programme."))
    if share.approved_at is not None:
        return Decision(False, _("Your region has already approved this programme."))
    return Decision(True)


def _lead_member(user, obj) -> Decision:
    if user.organization_id == obj.lead_organization_id and not official_province_id(user):
        return Decision(True)
    return Decision(False, _("Only the lead organization may do this."))


def _undecided_funding_official(user, application) -> Decision:
    province = official_province_id(user)
    if province is None:
        return Decision(False, _("Only officials of the funding regions decide."))
    if province not in funding_region_ids(application):
        return Decision(False, _("Your region funds no organization of this team."))
    if application.region_decisions.filter(region_id=province).exists():
        return Decision(False, _("Your region has already decided."))
    return Decision(True)


def _the_expert(user, review) -> Decision:
    if user.pk == review.expert_id:
        return Decision(True)
    return Decision(False, _("Only the assigned expert may do this."))


def _midterm_done(user, project) -> Decision:
    verdict = _lead_member(user, project)
    if verdict and not project.midterm_done:
        return Decision(False, _("Final acceptance follows the mid-term review."))
    return verdict


# --------------------------------------------------------------------------- workflows

PROGRAMME_WORKFLOW = Workflow(
    states=ProgrammeState,
    event_prefix="cooperation.programme",
    transitions=[
        Transition(
            "submit_for_approval",
            source=[ProgrammeState.DRAFT],
            target=ProgrammeState.APPROVING,
            label=gettext_lazy("Submit to the regions"),
            allowed=lambda u, p: _lead_official(u, p),
            notify=lambda p: officials_of(programme_region_ids(p), coordinators_only=True),
        ),
        Transition(
            "approve",
            source=[ProgrammeState.APPROVING],
            target=ProgrammeState.APPROVING,
            label=gettext_lazy("Approve for my region"),
            allowed=_pending_region_coordinator,
            notify=lambda p: officials_of(programme_region_ids(p), coordinators_only=True),
            style="success",
        ),
        Transition(
            "publish",
            source=[ProgrammeState.APPROVING],
            target=ProgrammeState.OPEN,
            label=gettext_lazy("Approve and publish"),
            allowed=_pending_region_coordinator,
            notify=lambda p: officials_of(programme_region_ids(p)),
            style="success",
        ),
        Transition(
            "close",
            source=[ProgrammeState.OPEN],
            target=ProgrammeState.CLOSED,
            label=gettext_lazy("Close the call"),
            allowed=lambda u, p: _lead_official(u, p),
            style="secondary",
        ),
        Transition(
            "finish",
            source=[ProgrammeState.CLOSED],
            target=ProgrammeState.FINISHED,
            label=gettext_lazy("Finish the programme"),
            allowed=lambda u, p: _lead_official(u, p, coordinator=True),
            style="secondary",
        ),
    ],
)

APPLICATION_WORKFLOW = Workflow(
    states=ApplicationState,
    event_prefix="cooperation.application",
    transitions=[
        Transition(
            "submit",
            source=[ApplicationState.DRAFT, ApplicationState.RETURNED],
            target=ApplicationState.SUBMITTED,
            label=gettext_lazy("Submit"),
            allowed=_lead_member,
            notify=lambda a: officials_of([a.programme.lead_region_id]),
            notify_orgs=lambda a: [a.programme.organizer_id, *participant_org_ids(a)],
            closes=[RESUBMIT.kind],
            opens=[Effect(FORMAL_CHECK, responsible=lambda a: a.programme.organizer)],
        ),
        Transition(
            "return_for_changes",
            source=[ApplicationState.SUBMITTED],
            target=ApplicationState.RETURNED,
            label=gettext_lazy("Return for changes"),
            allowed=lambda u, a: _lead_official(u, a.programme),
            requires=("reason",),
            notify=lambda a: members_of([a.lead_organization_id]),
            notify_orgs=lambda a: participant_org_ids(a),
            closes=[FORMAL_CHECK.kind],
            opens=[
                Effect(
                    RESUBMIT,
                    responsible=lambda a: a.lead_organization,
                    requester=lambda a: a.programme.organizer,
                )
            ],
            style="warning",
        ),
        Transition(
            "accept",
            source=[ApplicationState.SUBMITTED],
            target=ApplicationState.UNDER_REVIEW,
            label=gettext_lazy("Pass the formal check"),
            allowed=lambda u, a: _lead_official(u, a.programme),
            notify=lambda a: [
                *members_of([a.lead_organization_id]),
                *officials_of(programme_region_ids(a.programme), coordinators_only=True),
            ],
            notify_orgs=lambda a: participant_org_ids(a),
            closes=[FORMAL_CHECK.kind],
            style="success",
        ),
        Transition(
            "finish_review",
            source=[ApplicationState.UNDER_REVIEW],
            target=ApplicationState.DECISION_PENDING,
            label=gettext_lazy("Close the expert review"),
            allowed=lambda u, a: _lead_official(u, a.programme, coordinator=True),
            notify=lambda a: officials_of(funding_region_ids(a)),
            closes=[REVIEW.kind],
            closes_met=False,
        ),
        Transition(
            "approve_region",
            source=[ApplicationState.DECISION_PENDING],
            target=ApplicationState.DECISION_PENDING,
            label=gettext_lazy("Approve for my region"),
            allowed=_undecided_funding_official,
            notify=lambda a: officials_of(funding_region_ids(a)),
            style="success",
        ),
        Transition(
            "approve",
            source=[ApplicationState.DECISION_PENDING],
            target=ApplicationState.APPROVED,
            label=gettext_lazy("Approve (last region)"),
            allowed=_undecided_funding_official,
            notify=lambda a: [*members_of(participant_org_ids(a)), *officials_of(funding_region_ids(a))],
            notify_orgs=lambda a: participant_org_ids(a),
            closes=None,
            style="success",
        ),
        Transition(
            "reject",
            source=[ApplicationState.DECISION_PENDING],
            target=ApplicationState.REJECTED,
            label=gettext_lazy("Refuse"),
            allowed=_undecided_funding_official,
            requires=("reason",),
            notify=lambda a: [*members_of(participant_org_ids(a)), *officials_of(funding_region_ids(a))],
            notify_orgs=lambda a: participant_org_ids(a),
            closes=None,
            closes_met=False,
            style="danger",
        ),
        Transition(
            "withdraw",
            source=[
                ApplicationState.DRAFT,
                ApplicationState.SUBMITTED,
                ApplicationState.RETURNED,
                ApplicationState.UNDER_REVIEW,
                ApplicationState.DECISION_PENDING,
            ],
            target=ApplicationState.WITHDRAWN,
            label=gettext_lazy("Withdraw"),
            allowed=_lead_member,
            notify=lambda a: officials_of([a.programme.lead_region_id]),
            notify_orgs=lambda a: participant_org_ids(a),
            closes=None,
            closes_met=False,
            style="outline-danger",
        ),
    ],
)

REVIEW_WORKFLOW = Workflow(
    states=ReviewState,
    event_prefix="cooperation.review",
    transitions=[
        Transition(
            "submit",
            source=[ReviewState.ASSIGNED],
            target=ReviewState.SUBMITTED,
            label=gettext_lazy("Submit the review"),
            allowed=_the_expert,
            notify=lambda r: [r.assigned_by],
            closes=[REVIEW.kind],
        ),
        Transition(
            "declare_conflict",
            source=[ReviewState.ASSIGNED],
            target=ReviewState.CONFLICT,
            label=gettext_lazy("Declare a conflict of interest"),
            allowed=_the_expert,
            requires=("reason",),
            notify=lambda r: [r.assigned_by],
            closes=[REVIEW.kind],
            closes_met=False,
            style="warning",
        ),
    ],
)

PROJECT_WORKFLOW = Workflow(
    states=ProjectState,
    event_prefix="cooperation.project",
    transitions=[
        Transition(
            "start_midterm",
            source=[ProjectState.ONGOING],
            target=ProjectState.MIDTERM,
            label=gettext_lazy("Start the mid-term review"),
            allowed=lambda u, p: (
                _lead_official(u, p.programme)
                if not p.midterm_done
                else Decision(False, _("The mid-term review is done."))
            ),
            notify=lambda p: members_of([p.lead_organization_id]),
            opens=[Effect(MIDTERM, responsible=lambda p: p.programme.organizer)],
        ),
        Transition(
            "pass_midterm",
            source=[ProjectState.MIDTERM],
            target=ProjectState.ONGOING,
            label=gettext_lazy("Record the mid-term opinion"),
            allowed=lambda u, p: _lead_official(u, p.programme),
            requires=("reason",),
            notify=lambda p: members_of([p.lead_organization_id]),
            closes=[MIDTERM.kind],
            style="success",
        ),
        Transition(
            "request_acceptance",
            source=[ProjectState.ONGOING],
            target=ProjectState.ACCEPTANCE,
            label=gettext_lazy("Apply for final acceptance"),
            allowed=_midterm_done,
            notify=lambda p: officials_of([p.programme.lead_region_id]),
            opens=[Effect(ACCEPTANCE, responsible=lambda p: p.programme.organizer)],
        ),
        Transition(
            "accept",
            source=[ProjectState.ACCEPTANCE],
            target=ProjectState.ACCEPTED,
            label=gettext_lazy("Pass final acceptance"),
            allowed=lambda u, p: _lead_official(u, p.programme),
            requires=("reason",),
            notify=lambda p: members_of([p.lead_organization_id]),
            closes=None,
            style="success",
        ),
        Transition(
            "fail",
            source=[ProjectState.ACCEPTANCE],
            target=ProjectState.FAILED,
            label=gettext_lazy("Fail final acceptance"),
            allowed=lambda u, p: _lead_official(u, p.programme),
            requires=("reason",),
            notify=lambda p: members_of([p.lead_organization_id]),
            closes=None,
            style="danger",
        ),
    ],
)

REPORT_WORKFLOW = Workflow(
    states=ReportState,
    event_prefix="cooperation.report",
    link=lambda r: r.project.get_absolute_url(),
    transitions=[
        Transition(
            "submit",
            source=[ReportState.DUE],
            target=ReportState.SUBMITTED,
            label=gettext_lazy("Submit the report"),
            allowed=lambda u, r: _lead_member(u, r.project),
            notify=lambda r: officials_of([r.project.programme.lead_region_id]),
            closes=None,
        ),
    ],
)

CONSORTIUM_WORKFLOW = Workflow(
    states=ConsortiumStatus,
    field="status",
    event_prefix="cooperation.consortium",
    transitions=[
        Transition(
            "activate",
            source=[ConsortiumStatus.FORMING],
            target=ConsortiumStatus.ACTIVE,
            label=gettext_lazy("Activate"),
            allowed=lambda u, c: bool(official_province_id(u)),
            notify=lambda c: members_of(c.members.values_list("organization_id", flat=True)),
        ),
        Transition(
            "dissolve",
            source=[ConsortiumStatus.FORMING, ConsortiumStatus.ACTIVE],
            target=ConsortiumStatus.DISSOLVED,
            label=gettext_lazy("Dissolve"),
            allowed=lambda u, c: bool(official_province_id(u)),
            requires=("reason",),
            notify=lambda c: members_of(c.members.values_list("organization_id", flat=True)),
            style="danger",
        ),
    ],
)
