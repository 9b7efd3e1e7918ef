"""The recognition request's workflow, as data (article 14).

submitted → verification requested (issuing agency: acknowledge in 5, verify in 20 working days)
→ acknowledged → verified / not verified (with the reason) → recognized / refused by the host
agency (decide within 20 working days of verification). A credential found in the issuing region's
registry is verified by the look-up at once. Deadlines follow the European Professional Card's
shape; a region's DeadlineRule for the same kind overrides the days, and its ``tacit_approval``
decides whether a missed host deadline means recognition.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.deadlines import DeadlineSpec
from portal.models import User
from portal.permissions import Decision
from portal.system import is_system_actor
from portal.workflow import Effect, Transition, Workflow

from .models import RecognitionRequest, RequestState
from .permissions import acts_for_agency

__all__ = [
    "ACKNOWLEDGE",
    "VERIFY",
    "DECIDE",
    "REQUEST_WORKFLOW",
    "agency_users",
    "applicant_users",
]

S = RequestState

ACKNOWLEDGE = DeadlineSpec("talent_acknowledge", 5, label=_("Acknowledge the verification request"))
VERIFY = DeadlineSpec("talent_verify", 20, label=_("Verify the credential"))
DECIDE = DeadlineSpec("talent_decide", 20, label=_("Decide on recognition"))


def agency_users(org_id: int | None) -> list[User]:
    if org_id is None:
        return []
    return list(User.objects.filter(organization_id=org_id, is_active=True))


def applicant_users(req: RecognitionRequest) -> list[User]:
    users = [req.applicant]
    if req.person.user_id and req.person.user_id != req.applicant_id:
        users.append(req.person.user)
    return users


def _host(user: User, req: RecognitionRequest) -> bool | Decision:
    return acts_for_agency(user, req.host_agency_id) or Decision(
        False, str(_("Only the host region's agency may do this."))
    )


def _issuer(user: User, req: RecognitionRequest) -> bool | Decision:
    return acts_for_agency(user, req.issuing_agency_id) or Decision(
        False, str(_("Only the issuing region's agency may answer a verification request."))
    )


def _applicant(user: User, req: RecognitionRequest) -> bool | Decision:
    return user.pk == req.applicant_id or Decision(False, str(_("Only the applicant may withdraw.")))


def _registry_matched(user: User, req: RecognitionRequest) -> bool | Decision:
    # The registry look-up is done by the service for whoever files or forwards the request.
    return req.registry_entry_id is not None or Decision(False, str(_("No matching registry entry.")))


def _tacit(user: User, req: RecognitionRequest) -> bool | Decision:
    if not is_system_actor(user):
        return Decision(False, str(_("Only the portal itself recognizes tacitly, when the deadline passes.")))
    return req.tacit or Decision(False, str(_("Tacit recognition applies only when the region allows it.")))


_issuer_effects = [
    Effect(ACKNOWLEDGE, responsible=lambda r: r.issuing_agency, requester=lambda r: r.host_agency),
    Effect(VERIFY, responsible=lambda r: r.issuing_agency, requester=lambda r: r.host_agency),
]
_decide_effect = [Effect(DECIDE, responsible=lambda r: r.host_agency, requester=lambda r: r.issuing_agency)]

REQUEST_WORKFLOW = Workflow(
    states=RequestState,
    event_prefix="talent.request",
    transitions=[
        Transition(
            "request_verification",
            source=[S.SUBMITTED],
            target=S.VERIFICATION_REQUESTED,
            label=_("Ask the issuing region to verify"),
            allowed=_host,
            opens=_issuer_effects,
            notify=lambda r: agency_users(r.issuing_agency_id),
            notify_orgs=lambda r: [r.issuing_agency_id],
        ),
        Transition(
            "verify_by_registry",
            source=[S.SUBMITTED, S.VERIFICATION_REQUESTED, S.ACKNOWLEDGED],
            target=S.VERIFIED,
            label=_("Verified by registry look-up"),
            allowed=_registry_matched,
            closes=["talent_acknowledge", "talent_verify"],
            opens=_decide_effect,
            notify=lambda r: agency_users(r.host_agency_id),
            notify_orgs=lambda r: [r.host_agency_id],
        ),
        Transition(
            "acknowledge",
            source=[S.VERIFICATION_REQUESTED],
            target=S.ACKNOWLEDGED,
            label=_("Acknowledge"),
            allowed=_issuer,
            closes=["talent_acknowledge"],
            notify=lambda r: agency_users(r.host_agency_id),
            notify_orgs=lambda r: [r.host_agency_id],
        ),
        Transition(
            "verify",
            source=[S.VERIFICATION_REQUESTED, S.ACKNOWLEDGED],
            target=S.VERIFIED,
            label=_("Confirm the credential"),
            allowed=_issuer,
            closes=["talent_acknowledge", "talent_verify"],
            opens=_decide_effect,
            style="success",
            notify=lambda r: agency_users(r.host_agency_id),
            notify_orgs=lambda r: [r.host_agency_id],
        ),
        Transition(
            "not_verify",
            source=[S.VERIFICATION_REQUESTED, S.ACKNOWLEDGED],
            target=S.NOT_VERIFIED,
            label=_("Cannot confirm"),
            allowed=_issuer,
            requires=("reason",),
            closes=["talent_acknowledge", "talent_verify"],
            opens=_decide_effect,
            style="danger",
            notify=lambda r: agency_users(r.host_agency_id) + applicant_users(r),
            notify_orgs=lambda r: [r.host_agency_id],
        ),
        Transition(
            "recognize",
            source=[S.VERIFIED],
            target=S.RECOGNIZED,
            label=_("Recognize"),
            allowed=_host,
            closes=["talent_decide"],
            style="success",
            notify=applicant_users,
            notify_orgs=lambda r: [r.issuing_agency_id],
        ),
        Transition(
            "tacit_recognize",
            source=[S.VERIFIED],
            target=S.RECOGNIZED,
            label=_("Recognized tacitly (deadline missed)"),
            allowed=_tacit,
            closes=["talent_decide"],
            closes_met=False,
            notify=lambda r: applicant_users(r) + agency_users(r.host_agency_id),
            notify_orgs=lambda r: [r.host_agency_id, r.issuing_agency_id],
        ),
        Transition(
            "refuse",
            source=[S.VERIFIED, S.NOT_VERIFIED],
            target=S.REFUSED,
            label=_("Refuse"),
            allowed=_host,
            requires=("reason",),
            closes=["talent_decide"],
            style="danger",
            notify=applicant_users,
            notify_orgs=lambda r: [r.issuing_agency_id],
        ),
        Transition(
            "revoke",
            source=[S.RECOGNIZED],
            target=S.REVOKED,
            label=_("Revoke the recognition"),
            allowed=_host,
            requires=("reason",),
            style="outline-danger",
            notify=applicant_users,
            notify_orgs=lambda r: [r.issuing_agency_id],
        ),
        Transition(
            "withdraw",
            source=[S.SUBMITTED, S.VERIFICATION_REQUESTED, S.ACKNOWLEDGED, S.VERIFIED, S.NOT_VERIFIED],
            target=S.WITHDRAWN,
            label=_("Withdraw"),
            allowed=_applicant,
            closes=None,
            closes_met=False,
            style="outline-secondary",
            notify=lambda r: agency_users(r.host_agency_id),
        ),
    ],
)
