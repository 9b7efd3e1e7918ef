"""The voucher scheme's workflows, as data (portal.workflow)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.deadlines import DeadlineSpec
from portal.models import User
from portal.permissions import ALLOW, Decision, deny, official_province_id
from portal.workflow import Effect, Transition, Workflow

from .models import ApplicationState, BatchState, ClaimState, ProviderState, VoucherState
from .permissions import is_enterprise, is_provider_member

__all__ = [
    "APPLICATION_WORKFLOW",
    "PROVIDER_WORKFLOW",
    "VOUCHER_WORKFLOW",
    "CLAIM_WORKFLOW",
    "BATCH_WORKFLOW",
]

REVIEW_CLAIM = DeadlineSpec("voucher_claim_review", 10, label=_("Review the voucher claim"))


def members_of(org_id: int | None):
    if org_id is None:
        return User.objects.none()
    return User.objects.filter(organization_id=org_id, is_active=True)


def _official_of(province_id: str, message: str):
    def check(user, obj) -> Decision:
        return ALLOW if official_province_id(user) == province_id(obj) else deny(message)

    return check


_issuing_official = _official_of(
    lambda obj: obj.programme.region_id, _("Only officials of the issuing region may decide this.")
)

APPLICATION_WORKFLOW = Workflow(
    states=ApplicationState,
    event_prefix="voucher_application",
    transitions=[
        Transition(
            "approve",
            source=[ApplicationState.SUBMITTED],
            target=ApplicationState.APPROVED,
            label=_("Approve and issue the voucher"),
            allowed=_issuing_official,
            notify=lambda a: members_of(a.applicant_id),
            notify_orgs=lambda a: [a.applicant_id],
            style="success",
        ),
        Transition(
            "refuse",
            source=[ApplicationState.SUBMITTED],
            target=ApplicationState.REFUSED,
            label=pgettext_lazy("voucher", "Refuse"),
            allowed=_issuing_official,
            requires=("reason",),
            notify=lambda a: members_of(a.applicant_id),
            notify_orgs=lambda a: [a.applicant_id],
            style="danger",
        ),
    ],
)

_provider_official = _official_of(
    lambda p: p.province_id, _("Only officials of the provider's own region may approve it.")
)

PROVIDER_WORKFLOW = Workflow(
    states=ProviderState,
    event_prefix="voucher_provider",
    transitions=[
        Transition(
            "approve",
            source=[ProviderState.PENDING, ProviderState.SUSPENDED],
            target=ProviderState.APPROVED,
            label=_("Approve"),
            allowed=_provider_official,
            notify=lambda p: members_of(p.organization_id),
            style="success",
        ),
        Transition(
            "refuse",
            source=[ProviderState.PENDING],
            target=ProviderState.REFUSED,
            label=pgettext_lazy("voucher", "Refuse"),
            allowed=_provider_official,
            requires=("reason",),
            notify=lambda p: members_of(p.organization_id),
            style="danger",
        ),
        Transition(
            "suspend",
            source=[ProviderState.APPROVED],
            target=ProviderState.SUSPENDED,
            label=_("Suspend"),
            allowed=_provider_official,
            requires=("reason",),
            notify=lambda p: members_of(p.organization_id),
            style="warning",
        ),
    ],
)

VOUCHER_WORKFLOW = Workflow(
    states=VoucherState,
    event_prefix="voucher",
    transitions=[
        Transition(
            "revoke",
            source=[VoucherState.ACTIVE],
            target=VoucherState.REVOKED,
            label=_("Revoke"),
            allowed=_issuing_official,
            requires=("reason",),
            notify=lambda v: members_of(v.holder_id),
            notify_orgs=lambda v: [v.holder_id],
            style="danger",
        ),
    ],
)


def _provider_of_claim(user, claim) -> Decision:
    if is_provider_member(user) and user.organization_id == claim.provider.organization_id:
        return ALLOW
    return deny(_("Only the provider that served may file this claim."))


def _holder_of_claim(user, claim) -> Decision:
    if is_enterprise(user) and user.organization_id == claim.voucher.holder_id:
        return ALLOW
    return deny(_("Only the voucher holder may do this."))


def _booker_or_provider(user, claim) -> Decision:
    return _holder_of_claim(user, claim) or _provider_of_claim(user, claim)


def _claim_issuing_official(user, claim) -> Decision:
    if official_province_id(user) == claim.issuing_region_id:
        return ALLOW
    return deny(_("Only officials of the issuing region may review this claim."))


def _claim_parties(claim):
    return list(members_of(claim.voucher.holder_id)) + list(members_of(claim.provider.organization_id))


CLAIM_WORKFLOW = Workflow(
    states=ClaimState,
    event_prefix="voucher_claim",
    transitions=[
        Transition(
            "file",
            source=[ClaimState.BOOKED],
            target=ClaimState.FILED,
            label=_("File the claim"),
            allowed=_provider_of_claim,
            notify=lambda c: members_of(c.voucher.holder_id),
            notify_orgs=lambda c: [c.voucher.holder_id],
        ),
        Transition(
            "cancel",
            source=[ClaimState.BOOKED],
            target=ClaimState.CANCELLED,
            label=_("Cancel the booking"),
            allowed=_booker_or_provider,
            notify=_claim_parties,
            style="secondary",
        ),
        Transition(
            "confirm",
            source=[ClaimState.FILED],
            target=ClaimState.CONFIRMED,
            label=_("Confirm the service"),
            allowed=_holder_of_claim,
            notify=lambda c: (
                list(members_of(c.voucher.programme.agency_id)) + list(members_of(c.provider.organization_id))
            ),
            notify_orgs=lambda c: [c.voucher.programme.agency_id],
            opens=[Effect(REVIEW_CLAIM, responsible=lambda c: c.voucher.programme.agency)],
            style="success",
        ),
        Transition(
            "approve",
            source=[ClaimState.CONFIRMED],
            target=ClaimState.APPROVED,
            label=_("Approve the claim"),
            allowed=_claim_issuing_official,
            closes=[REVIEW_CLAIM.kind],
            notify=_claim_parties,
            notify_orgs=lambda c: [c.provider.organization_id],
            style="success",
        ),
        Transition(
            "reject",
            source=[ClaimState.FILED, ClaimState.CONFIRMED],
            target=ClaimState.REJECTED,
            label=_("Reject the claim"),
            allowed=_claim_issuing_official,
            requires=("reason",),
            closes=[REVIEW_CLAIM.kind],
            notify=_claim_parties,
            notify_orgs=lambda c: [c.provider.organization_id],
            style="danger",
        ),
        Transition(
            "pay",
            source=[ClaimState.APPROVED],
            target=ClaimState.PAID,
            label=_("Mark paid"),
            allowed=_claim_issuing_official,
        ),
    ],
)


def _batch_official(user, batch) -> Decision:
    if official_province_id(user) == batch.issuing_region_id:
        return ALLOW
    return deny(_("Only officials of the issuing region may settle this batch."))


BATCH_WORKFLOW = Workflow(
    states=BatchState,
    event_prefix="voucher_settlement",
    transitions=[
        Transition(
            "pay",
            source=[BatchState.DRAFT],
            target=BatchState.PAID,
            label=_("Mark paid"),
            allowed=_batch_official,
            notify=lambda b: members_of(b.provider.organization_id),
            notify_orgs=lambda b: [b.provider.organization_id],
            style="success",
        ),
    ],
)
