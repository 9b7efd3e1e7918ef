"""Workflows of listings, matching-list pairs and valuation requests, as data."""

from django.utils.translation import gettext_lazy as _

from portal.deadlines import DeadlineSpec
from portal.models import OFFICIAL_ROLES, AgencyDomain, Organization, OrganizationKind, User
from portal.permissions import can
from portal.system import is_system_actor
from portal.workflow import Effect, Transition, Workflow

from .models import ListingState, MatchPair, PairState, ValuationRequest, ValuationState

__all__ = ["LISTING_WORKFLOW", "PAIR_WORKFLOW", "VALUATION_WORKFLOW", "region_agency"]

REVIEW = DeadlineSpec("transfer_listing_review", 10)


def owner_users(listing):
    return User.objects.filter(organization_id=listing.owner_id, is_active=True)


def region_officials(province_id):
    return User.objects.filter(
        organization__province_id=province_id, memberships__role__in=list(OFFICIAL_ROLES), is_active=True
    ).distinct()


def region_agency(province_id) -> Organization | None:
    """The science agency of a province, which answers for listing reviews."""
    qs = Organization.objects.filter(province_id=province_id, kind=OrganizationKind.AGENCY)
    return qs.filter(agency_domain=AgencyDomain.SCIENCE).order_by("pk").first() or qs.order_by("pk").first()


def _may(action):
    return lambda user, obj: can(user, action, obj)


def _system(user, obj) -> bool:
    return is_system_actor(user)


LISTING_WORKFLOW = Workflow(
    states=ListingState,
    event_prefix="transfer.listing",
    transitions=[
        Transition(
            "submit",
            source=[ListingState.DRAFT],
            target=ListingState.SUBMITTED,
            label=_("Submit for review"),
            allowed=_may("submit"),
            notify=lambda obj: region_officials(obj.province_id),
            opens=[Effect(REVIEW, responsible=lambda obj: region_agency(obj.province_id))],
        ),
        Transition(
            "publish",
            source=[ListingState.SUBMITTED],
            target=ListingState.PUBLISHED,
            label=_("Publish"),
            allowed=_may("publish"),
            notify=owner_users,
            notify_orgs=lambda obj: [obj.owner_id],
            closes=[REVIEW.kind],
            style="success",
        ),
        Transition(
            "return",
            source=[ListingState.SUBMITTED],
            target=ListingState.DRAFT,
            label=_("Return with a reason"),
            allowed=_may("return"),
            requires=("reason",),
            notify=owner_users,
            notify_orgs=lambda obj: [obj.owner_id],
            closes=[REVIEW.kind],
            style="warning",
        ),
        Transition(
            "negotiate",
            source=[ListingState.PUBLISHED],
            target=ListingState.NEGOTIATING,
            label=_("Start negotiation"),
            allowed=_may("negotiate"),
        ),
        Transition(
            "conclude",
            source=[ListingState.PUBLISHED, ListingState.NEGOTIATING],
            target=ListingState.CONCLUDED,
            label=_("Conclude"),
            allowed=_may("conclude"),
            notify_orgs=lambda obj: [obj.owner_id],
            style="success",
        ),
        Transition(
            "withdraw",
            source=[
                ListingState.DRAFT,
                ListingState.SUBMITTED,
                ListingState.PUBLISHED,
                ListingState.NEGOTIATING,
            ],
            target=ListingState.WITHDRAWN,
            label=_("Withdraw"),
            allowed=_may("withdraw"),
            closes=None,
            closes_met=False,
            style="secondary",
        ),
        Transition(
            "expire",
            source=[ListingState.PUBLISHED, ListingState.NEGOTIATING],
            target=ListingState.EXPIRED,
            label=_("Expire"),
            allowed=_system,
            notify=owner_users,
            notify_orgs=lambda obj: [obj.owner_id],
            style="secondary",
        ),
    ],
)


def _pair_official(user, pair: MatchPair) -> bool:
    return bool(can(user, "change", pair))


def _pair_parties(pair: MatchPair):
    return User.objects.filter(
        organization_id__in=[pair.demand.owner_id, pair.supply.owner_id], is_active=True
    )


PAIR_WORKFLOW = Workflow(
    states=PairState,
    event_prefix="transfer.pair",
    transitions=[
        Transition(
            "negotiate",
            source=[PairState.CONTACTED],
            target=PairState.NEGOTIATING,
            label=_("Negotiating"),
            allowed=_pair_official,
            notify=_pair_parties,
        ),
        Transition(
            "deal",
            source=[PairState.NEGOTIATING],
            target=PairState.DEAL,
            label=_("Deal reached"),
            allowed=_pair_official,
            notify=_pair_parties,
            style="success",
        ),
        Transition(
            "decline",
            source=[PairState.CONTACTED, PairState.NEGOTIATING],
            target=PairState.DECLINED,
            label=_("Declined"),
            allowed=_pair_official,
            requires=("reason",),
            notify=_pair_parties,
            style="secondary",
        ),
    ],
)


def _requesters(v: ValuationRequest):
    return owner_users(v.listing)


VALUATION_WORKFLOW = Workflow(
    states=ValuationState,
    event_prefix="transfer.valuation",
    transitions=[
        Transition(
            "accept",
            source=[ValuationState.REQUESTED],
            target=ValuationState.ACCEPTED,
            label=_("Accept"),
            allowed=_may("accept"),
            notify=_requesters,
        ),
        Transition(
            "complete",
            source=[ValuationState.ACCEPTED],
            target=ValuationState.COMPLETED,
            label=_("Deliver the valuation"),
            allowed=_may("complete"),
            requires=("result_value",),
            notify=_requesters,
            notify_orgs=lambda v: [v.listing.owner_id],
            style="success",
        ),
        Transition(
            "decline",
            source=[ValuationState.REQUESTED, ValuationState.ACCEPTED],
            target=ValuationState.DECLINED,
            label=_("Decline"),
            allowed=_may("decline"),
            requires=("reason",),
            notify=_requesters,
            style="secondary",
        ),
    ],
)
