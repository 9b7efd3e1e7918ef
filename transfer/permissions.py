"""Row-level policies (portal.permissions.Policy) for this app's records.

Published listings and the directory are public; drafts are seen by the owner organization, and
submitted listings also by the officials of the listing's province, who review them. Matching lists
belong to the officials of their province; a pair is also seen by the two owner organizations.
Deals are seen by officials of the three regions and by the two parties.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from portal.models import Role
from portal.permissions import ALLOW, Policy, Scope, deny, is_platform_admin, official_province_id, register

from .models import (
    PUBLIC_STATES,
    Base,
    Deal,
    Listing,
    ListingState,
    MatchingList,
    MatchPair,
    Showcase,
    ValuationRequest,
)

__all__ = [
    "ListingPolicy",
    "BasePolicy",
    "MatchingListPolicy",
    "MatchPairPolicy",
    "ValuationRequestPolicy",
    "DealPolicy",
    "ShowcasePolicy",
    "PUBLISHER_ROLES",
    "may_publish",
    "sees_contact",
]

PUBLISHER_ROLES = (Role.ENTERPRISE_MEMBER, Role.PROVIDER_MEMBER, Role.PARTNER_SYSTEM)


def may_publish(user) -> bool:
    return bool(user.is_authenticated and user.organization_id and user.has_role(*PUBLISHER_ROLES))


def is_owner(user, listing: Listing) -> bool:
    return bool(user.is_authenticated and user.organization_id and user.organization_id == listing.owner_id)


def sees_contact(user, listing: Listing) -> bool:
    """Contact data is for signed-in users only (and always for the owner and the reviewing region)."""
    return bool(user is not None and user.is_authenticated)


@register
class ListingPolicy(Policy):
    model = Listing

    def parts(self, user, action="view") -> list[tuple[str, Q]] | None:
        """The scope's disjoint parts, named, in the order a search takes its capped matches from them
        (Scope): one's own unpublished listings ("own"), the public ones ("public"), then the others of
        one's region ("region"), officials seeing all but drafts. None: every listing (a platform
        administrator). The unpublished ones have their own words' index (transfer_listing_unpub_search).
        Said with "not public" rather than a list of states, so a listing of any state is in a part."""
        public = Q(state__in=PUBLIC_STATES)
        if not user.is_authenticated:
            return [("public", public)] if action == "view" else []
        if is_platform_admin(user):
            return None
        parts, others = [], Q()
        if user.organization_id:
            mine = Q(owner_id=user.organization_id)
            parts.append(("own", mine & ~public if action == "view" else mine))
            others = ~mine
        if action == "view":
            parts.append(("public", public))
        province = official_province_id(user)
        if province:
            region = Q(province_id=province) & ~Q(state=ListingState.DRAFT) & others
            parts.append(("region", region & ~public if action == "view" else region))
        return parts

    def scope(self, user, queryset, action="view"):
        parts = self.parts(user, action)
        if parts is None:
            return queryset
        if len(parts) < 2:
            return queryset.filter(parts[0][1]) if parts else queryset.none()
        return queryset.filter(Scope(*(q for _name, q in parts)))

    def can(self, user, action, obj):
        if action == "view":
            if obj.state in PUBLIC_STATES or is_owner(user, obj) or is_platform_admin(user):
                return ALLOW
            if obj.state != ListingState.DRAFT and official_province_id(user) == obj.province_id:
                return ALLOW
            return deny(_("You may not see this listing."))
        if action == "conclude" and official_province_id(user) == obj.province_id:
            return ALLOW
        if action in ("change", "submit", "withdraw", "negotiate", "conclude", "request_valuation"):
            return ALLOW if is_owner(user, obj) else deny(_("Only the owner organization may do this."))
        if action in ("publish", "return"):
            if official_province_id(user) == obj.province_id:
                return ALLOW
            return deny(_("Only officials of the listing's region review it."))
        return deny(_("You may not do this."))


@register
class BasePolicy(Policy):
    model = Base

    def scope(self, user, queryset, action="view"):
        if action == "view" or is_platform_admin(user):
            return queryset
        return queryset.none()

    def can(self, user, action, obj):
        if action == "view" or is_platform_admin(user):
            return ALLOW
        return deny(_("Only system administrators maintain the directory."))


@register
class MatchingListPolicy(Policy):
    model = MatchingList

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user):
            return queryset
        province = official_province_id(user)
        return queryset.filter(province_id=province) if province else queryset.none()

    def can(self, user, action, obj):
        if is_platform_admin(user) or (official_province_id(user) or "") == obj.province_id:
            return ALLOW
        return deny(_("Only officials of the list's region compile it."))


@register
class MatchPairPolicy(Policy):
    model = MatchPair

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        q = Q(pk__in=[])
        province = official_province_id(user)
        if province:
            q |= Q(matching_list__province_id=province)
        if user.organization_id and action == "view":
            q |= Q(demand__owner_id=user.organization_id) | Q(supply__owner_id=user.organization_id)
        return queryset.filter(q)

    def can(self, user, action, obj):
        province = official_province_id(user)
        if province and province == obj.matching_list.province_id:
            return ALLOW
        if (
            action == "view"
            and user.is_authenticated
            and user.organization_id
            in (
                obj.demand.owner_id,
                obj.supply.owner_id,
            )
        ):
            return ALLOW
        return deny(_("Only officials of the list's region track its pairs."))


@register
class ValuationRequestPolicy(Policy):
    model = ValuationRequest

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        q = Q(pk__in=[])
        if user.organization_id:
            q |= Q(listing__owner_id=user.organization_id) | Q(institution_id=user.organization_id)
        province = official_province_id(user)
        if province and action == "view":
            q |= Q(listing__province_id=province)
        return queryset.filter(q)

    def can(self, user, action, obj):
        if action in ("accept", "complete", "decline"):
            if user.is_authenticated and user.organization_id == obj.institution_id:
                return ALLOW
            return deny(_("Only the service institution may answer this request."))
        if self.scope(user, ValuationRequest.objects.filter(pk=obj.pk), action).exists():
            return ALLOW
        return deny(_("You may not see this valuation request."))


@register
class DealPolicy(Policy):
    model = Deal

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user) or official_province_id(user):
            return queryset  # officials of the three regions read all deals (regional statistics)
        if user.organization_id:
            return queryset.filter(Q(seller_id=user.organization_id) | Q(buyer_id=user.organization_id))
        return queryset.none()

    def can(self, user, action, obj):
        if action == "view" and self.scope(user, Deal.objects.filter(pk=obj.pk)).exists():
            return ALLOW
        return deny(_("You may not see this deal."))


@register
class ShowcasePolicy(Policy):
    """Showcases (成果展示推介) are public; officials of the showcase's region compile them."""

    model = Showcase

    def scope(self, user, queryset, action="view"):
        if action == "view" or is_platform_admin(user):
            return queryset
        province = official_province_id(user) if user.is_authenticated else None
        return queryset.filter(province_id=province) if province else queryset.none()

    def can(self, user, action, obj):
        if action == "view":
            return ALLOW
        if is_platform_admin(user) or (
            user.is_authenticated and (official_province_id(user) or "") == obj.province_id
        ):
            return ALLOW
        return deny(_("Only officials of the showcase's region compile it."))
