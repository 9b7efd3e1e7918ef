"""Workflows of referrals, assistance requests and joint operations, as data.

Deadlines follow the national rule for market-regulation case clues (also those referred by other
agencies): the decision whether to open a case (立案) within 15 working days of receipt, extendable
once by 15 working days with a reason, with time for appraisal not counted (the clock pauses in the
``appraisal`` state). Receipt is acknowledged within 3 working days. A region may set its own
lengths with a portal DeadlineRule of the same kind.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.deadlines import DeadlineSpec
from portal.models import DayCount, User
from portal.workflow import Effect, Transition, Workflow

from .models import AssistanceState, OperationState, ReferralState
from .permissions import is_enforcement_officer

__all__ = [
    "REFERRAL_ACK",
    "REFERRAL_DECIDE",
    "REFERRAL_CONCLUDE",
    "ASSIST_ACK",
    "ASSIST_ANSWER",
    "REFERRAL_WORKFLOW",
    "ASSISTANCE_WORKFLOW",
    "OPERATION_WORKFLOW",
    "DECISION_EXTENSION_DAYS",
]

REFERRAL_ACK = DeadlineSpec("ip.referral.acknowledge", 3, DayCount.WORKING, _("acknowledge receipt"))
REFERRAL_DECIDE = DeadlineSpec("ip.referral.decide", 15, DayCount.WORKING, _("decide whether to open a case"))
# 市场监督管理行政处罚程序规定: a decision within 90 days of opening the case.
REFERRAL_CONCLUDE = DeadlineSpec(
    "ip.referral.conclude", 90, DayCount.CALENDAR, _("conclude and give feedback")
)
ASSIST_ACK = DeadlineSpec("ip.assistance.acknowledge", 3, DayCount.WORKING, _("acknowledge receipt"))
ASSIST_ANSWER = DeadlineSpec("ip.assistance.answer", 15, DayCount.WORKING, _("answer the request"))
DECISION_EXTENSION_DAYS = 15


def _receiver(user: User, obj) -> bool:
    return is_enforcement_officer(user) and obj.to_agency_id == user.organization_id


def _sender(user: User, obj) -> bool:
    return is_enforcement_officer(user) and obj.from_agency_id == user.organization_id


def _users_of(org_id: int):
    return User.objects.filter(organization_id=org_id, is_active=True)


def _to_users(obj):
    return _users_of(obj.to_agency_id)


def _from_users(obj):
    return _users_of(obj.from_agency_id)


def _both_orgs(obj):
    return [obj.from_agency_id, obj.to_agency_id]


def _to_agency(obj):
    return obj.to_agency


def _from_agency(obj):
    return obj.from_agency


def _effect(spec):
    return Effect(spec, responsible=_to_agency, requester=_from_agency)


REFERRAL_WORKFLOW = Workflow(
    states=ReferralState,
    event_prefix="ip.referral",
    transitions=[
        Transition(
            "send",
            source=[ReferralState.SENT],
            target=ReferralState.SENT,
            label=pgettext_lazy("ip_enforcement", "Send"),
            allowed=_sender,
            opens=[_effect(REFERRAL_ACK), _effect(REFERRAL_DECIDE)],
            notify=_to_users,
            notify_orgs=_both_orgs,
        ),
        Transition(
            "acknowledge",
            source=[ReferralState.SENT],
            target=ReferralState.RECEIVED,
            label=pgettext_lazy("ip_enforcement", "Acknowledge receipt"),
            allowed=_receiver,
            closes=[REFERRAL_ACK.kind],
            notify=_from_users,
            notify_orgs=_both_orgs,
        ),
        Transition(
            "start_appraisal",
            source=[ReferralState.RECEIVED],
            target=ReferralState.APPRAISAL,
            label=pgettext_lazy("ip_enforcement", "Wait for appraisal"),
            allowed=_receiver,
            requires=("reason",),
            pauses=[REFERRAL_DECIDE.kind],
            notify=_from_users,
            notify_orgs=_both_orgs,
            style="secondary",
        ),
        Transition(
            "end_appraisal",
            source=[ReferralState.APPRAISAL],
            target=ReferralState.RECEIVED,
            label=pgettext_lazy("ip_enforcement", "Appraisal done"),
            allowed=_receiver,
            resumes=[REFERRAL_DECIDE.kind],
            notify=_from_users,
            notify_orgs=_both_orgs,
            style="secondary",
        ),
        Transition(
            "accept",
            source=[ReferralState.RECEIVED],
            target=ReferralState.ACCEPTED,
            label=pgettext_lazy("ip_enforcement", "Open a case"),
            allowed=_receiver,
            requires=("received_case_number",),
            closes=[REFERRAL_DECIDE.kind],
            opens=[_effect(REFERRAL_CONCLUDE)],
            notify=_from_users,
            notify_orgs=_both_orgs,
            style="success",
        ),
        Transition(
            "return",
            source=[ReferralState.SENT, ReferralState.RECEIVED],
            target=ReferralState.RETURNED,
            label=pgettext_lazy("ip_enforcement", "Return"),
            allowed=_receiver,
            requires=("reason",),
            closes=None,
            notify=_from_users,
            notify_orgs=_both_orgs,
            style="danger",
        ),
        Transition(
            "forward",
            source=[ReferralState.SENT, ReferralState.RECEIVED],
            target=ReferralState.FORWARDED,
            label=pgettext_lazy("ip_enforcement", "Forward to the competent agency"),
            allowed=_receiver,
            requires=("to_agency", "reason"),
            closes=None,
            notify=_from_users,
            notify_orgs=_both_orgs,
            style="warning",
        ),
        Transition(
            "investigate",
            source=[ReferralState.ACCEPTED],
            target=ReferralState.INVESTIGATING,
            label=pgettext_lazy("ip_enforcement", "Start investigation"),
            allowed=_receiver,
            notify=_from_users,
            notify_orgs=_both_orgs,
        ),
        Transition(
            "conclude",
            source=[ReferralState.INVESTIGATING],
            target=ReferralState.CONCLUDED,
            label=pgettext_lazy("ip_enforcement", "Conclude with feedback"),
            allowed=_receiver,
            requires=("outcome", "feedback"),
            closes=None,
            notify=_from_users,
            notify_orgs=_both_orgs,
            style="success",
        ),
    ],
)


ASSISTANCE_WORKFLOW = Workflow(
    states=AssistanceState,
    event_prefix="ip.assistance",
    transitions=[
        Transition(
            "send",
            source=[AssistanceState.SENT],
            target=AssistanceState.SENT,
            label=pgettext_lazy("ip_enforcement", "Send"),
            allowed=_sender,
            opens=[_effect(ASSIST_ACK), _effect(ASSIST_ANSWER)],
            notify=_to_users,
            notify_orgs=_both_orgs,
        ),
        Transition(
            "acknowledge",
            source=[AssistanceState.SENT],
            target=AssistanceState.RECEIVED,
            label=pgettext_lazy("ip_enforcement", "Acknowledge receipt"),
            allowed=_receiver,
            closes=[ASSIST_ACK.kind],
            notify=_from_users,
            notify_orgs=_both_orgs,
        ),
        Transition(
            "accept",
            source=[AssistanceState.RECEIVED],
            target=AssistanceState.ACCEPTED,
            label=pgettext_lazy("ip_enforcement", "Accept"),
            allowed=_receiver,
            notify=_from_users,
            notify_orgs=_both_orgs,
            style="success",
        ),
        Transition(
            "decline",
            source=[AssistanceState.SENT, AssistanceState.RECEIVED],
            target=AssistanceState.DECLINED,
            label=pgettext_lazy("ip_enforcement", "Decline"),
            allowed=_receiver,
            requires=("reason",),
            closes=None,
            notify=_from_users,
            notify_orgs=_both_orgs,
            style="danger",
        ),
        Transition(
            "answer",
            source=[AssistanceState.ACCEPTED],
            target=AssistanceState.ANSWERED,
            label=pgettext_lazy("ip_enforcement", "Answer with findings"),
            allowed=_receiver,
            requires=("findings",),
            closes=None,
            notify=_from_users,
            notify_orgs=_both_orgs,
            style="success",
        ),
    ],
)


def _lead(user: User, obj) -> bool:
    return is_enforcement_officer(user) and obj.lead_agency_id == user.organization_id


def _operation_users(obj):
    org_ids = {obj.lead_agency_id, *obj.tasks.values_list("agency_id", flat=True)}
    return User.objects.filter(organization_id__in=org_ids, is_active=True)


def _operation_orgs(obj):
    return list({obj.lead_agency_id, *obj.tasks.values_list("agency_id", flat=True)})


OPERATION_WORKFLOW = Workflow(
    states=OperationState,
    event_prefix="ip.operation",
    transitions=[
        Transition(
            "start",
            source=[OperationState.PLANNED],
            target=OperationState.UNDERWAY,
            label=pgettext_lazy("ip_enforcement", "Start the operation"),
            allowed=_lead,
            notify=_operation_users,
            notify_orgs=_operation_orgs,
        ),
        Transition(
            "conclude",
            source=[OperationState.UNDERWAY],
            target=OperationState.CONCLUDED,
            label=pgettext_lazy("ip_enforcement", "Conclude the operation"),
            allowed=_lead,
            requires=("summary",),
            notify=_operation_users,
            notify_orgs=_operation_orgs,
            style="success",
        ),
    ],
)
