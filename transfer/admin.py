"""Django admin for this app's records (system administrators only)."""

from django.contrib import admin

from portal.admin import PlatformAdminOnly

from .models import Base, Deal, Listing, MatchingList, MatchPair, Showcase, ShowcaseItem, ValuationRequest


@admin.register(Base)
class BaseAdmin(PlatformAdminOnly):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "province"]
    search_fields = ["name"]


@admin.register(Listing)
class ListingAdmin(PlatformAdminOnly):
    list_display = ["id", "title", "kind", "field", "state", "owner", "expires_on"]
    list_filter = ["kind", "state", "field", "province"]
    search_fields = ["title"]
    raw_id_fields = ["owner", "base", "created_by"]
    readonly_fields = ["state", "published_at", "expiry_warned_at"]


@admin.register(MatchingList)
class MatchingListAdmin(PlatformAdminOnly):
    list_display = ["title", "province", "period"]


@admin.register(MatchPair)
class MatchPairAdmin(PlatformAdminOnly):
    list_display = ["id", "matching_list", "demand", "supply", "state", "score"]
    raw_id_fields = ["demand", "supply", "matching_list"]
    readonly_fields = ["state"]


@admin.register(ValuationRequest)
class ValuationRequestAdmin(PlatformAdminOnly):
    list_display = ["id", "listing", "institution", "state", "result_value"]
    raw_id_fields = ["listing", "institution"]
    readonly_fields = ["state"]


@admin.register(Deal)
class DealAdmin(PlatformAdminOnly):
    list_display = ["registration_number", "title", "contract_amount", "seller", "buyer_name", "signed_on"]
    list_filter = ["field", "within_region", "seller_province"]
    search_fields = ["registration_number", "title"]
    raw_id_fields = ["listing", "seller", "buyer", "base"]


class ShowcaseItemInline(admin.TabularInline):
    model = ShowcaseItem
    raw_id_fields = ["listing", "added_by"]
    extra = 0


@admin.register(Showcase)
class ShowcaseAdmin(PlatformAdminOnly):
    list_display = ["title", "province", "starts_on", "ends_on"]
    list_filter = ["province"]
    search_fields = ["title"]
    inlines = [ShowcaseItemInline]
