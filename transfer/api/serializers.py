"""Serializers of this app's API. Write serializers validate input only; services do the rest."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.representation import PortalModelSerializer

from ..models import (
    Base,
    Deal,
    Listing,
    ListingKind,
    MatchingList,
    MatchPair,
    ResultType,
    Showcase,
    ShowcaseItem,
    TechField,
    TransferMode,
    ValuationRequest,
)
from ..permissions import sees_contact

__all__ = [
    "ListingSerializer",
    "ListingRowSerializer",
    "ListingWriteSerializer",
    "MatchSerializer",
    "BaseSerializer",
    "MatchingListSerializer",
    "MatchPairSerializer",
    "MatchPairWriteSerializer",
    "ValuationRequestSerializer",
    "ValuationWriteSerializer",
    "DealSerializer",
    "DealWriteSerializer",
    "ValuationTransitionSerializer",
    "ShowcaseSerializer",
    "ShowcaseDetailSerializer",
    "ShowcaseWriteSerializer",
    "ShowcaseFeatureSerializer",
]


class ListingSerializer(PortalModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    contact = serializers.SerializerMethodField()
    rank = serializers.FloatField(read_only=True, required=False)

    class Meta:
        model = Listing
        fields = [
            "id",
            "kind",
            "result_type",
            "title",
            "summary",
            "field",
            "trl",
            "ip_refs",
            "transfer_mode",
            "price",
            "negotiable",
            "owner",
            "owner_name",
            "region",
            "region_name",
            "base",
            "expires_on",
            "state",
            "published_at",
            "contact",
            "rank",
        ]
        read_only_fields = fields

    def get_contact(self, obj) -> dict | None:
        request = self.context.get("request")
        if request is None or not sees_contact(request.user, obj):
            return None
        return {"name": obj.contact_name, "phone": obj.contact_phone, "email": obj.contact_email}


class ListingRowSerializer(ListingSerializer):
    """A listing as the list and the search show it."""

    # The owner's and region's names are columns of the list's query (``owner_name``, ``region_name``),
    # not joined organization and region objects: a hundred model instances fewer per page of fifty
    # (bench, issue 10).
    owner_name = serializers.CharField(read_only=True)
    region_name = serializers.CharField(read_only=True)


class ListingDetailSerializer(ListingSerializer):
    class Meta(ListingSerializer.Meta):
        fields = [*ListingSerializer.Meta.fields, "description", "key_terms"]
        read_only_fields = fields


class ListingWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ListingKind.choices)
    result_type = serializers.ChoiceField(choices=ResultType.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=500)
    description = serializers.CharField(max_length=20000)
    field = serializers.ChoiceField(choices=TechField.choices)
    trl = serializers.IntegerField(min_value=1, max_value=9, required=False, allow_null=True)
    ip_refs = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=50)
    transfer_mode = serializers.ChoiceField(choices=TransferMode.choices)
    price = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    negotiable = serializers.BooleanField(required=False, default=False)
    region = serializers.CharField(required=False, max_length=16)
    base = serializers.IntegerField(required=False, allow_null=True)
    contact_name = serializers.CharField(max_length=100)
    contact_phone = serializers.CharField(max_length=32)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    expires_on = serializers.DateField()
    submit = serializers.BooleanField(required=False, default=False)


class MatchSerializer(ListingSerializer):
    score = serializers.FloatField(read_only=True)
    reasons = serializers.CharField(read_only=True)
    shared_terms = serializers.IntegerField(read_only=True)

    class Meta(ListingSerializer.Meta):
        fields = [*ListingSerializer.Meta.fields, "score", "reasons", "shared_terms"]
        read_only_fields = fields


class BaseSerializer(PortalModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    listing_count = serializers.IntegerField(read_only=True)
    deal_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Base
        fields = [
            "id",
            "kind",
            "name",
            "region",
            "region_name",
            "fields",
            "description",
            "website",
            "listing_count",
            "deal_count",
        ]
        read_only_fields = fields


class MatchingListSerializer(PortalModelSerializer):
    pair_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = MatchingList
        fields = ["id", "province", "period", "title", "created_at", "pair_count"]
        read_only_fields = ["id", "province", "created_at", "pair_count"]


class MatchPairSerializer(PortalModelSerializer):
    demand_title = serializers.CharField(source="demand.title", read_only=True)
    supply_title = serializers.CharField(source="supply.title", read_only=True)
    demand_owner = serializers.CharField(source="demand.owner.name", read_only=True)
    supply_owner = serializers.CharField(source="supply.owner.name", read_only=True)

    class Meta:
        model = MatchPair
        fields = [
            "id",
            "matching_list",
            "demand",
            "demand_title",
            "demand_owner",
            "supply",
            "supply_title",
            "supply_owner",
            "score",
            "reasons",
            "state",
            "created_at",
        ]
        read_only_fields = fields


class MatchPairWriteSerializer(serializers.Serializer):
    matching_list = serializers.IntegerField()
    demand = serializers.IntegerField()
    supply = serializers.IntegerField()


class ValuationReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.CharField(help_text="download (signed-in users who may see the request)")


class ValuationRequestSerializer(PortalModelSerializer):
    report = serializers.SerializerMethodField()

    class Meta:
        model = ValuationRequest
        fields = [
            "id",
            "listing",
            "institution",
            "note",
            "state",
            "result_value",
            "result_note",
            "report",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ValuationReportSerializer(allow_null=True))
    def get_report(self, obj) -> dict | None:
        if getattr(obj, "report_id", None) is None:
            return None
        return {
            "id": obj.report_id,
            "name": obj.report_name,
            "size": obj.report_size,
            "sha256": obj.report_sha256,
            "url": reverse("portal:attachment_download", args=[obj.report_id]),
        }


class ValuationTransitionSerializer(serializers.Serializer):
    """Inputs of the valuation steps: ``reason`` to decline; the value, remarks and report to complete."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    result_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    result_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    report = serializers.FileField(required=False, allow_null=True)


class ValuationWriteSerializer(serializers.Serializer):
    listing = serializers.IntegerField()
    institution = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DealSerializer(PortalModelSerializer):
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    seller_region_name = serializers.CharField(source="seller_region.name", read_only=True)
    buyer_region_name = serializers.CharField(source="buyer_region.name", read_only=True, default=None)

    class Meta:
        model = Deal
        fields = [
            "id",
            "listing",
            "title",
            "field",
            "contract_amount",
            "registration_number",
            "seller",
            "seller_name",
            "seller_region",
            "seller_region_name",
            "buyer",
            "buyer_name",
            "buyer_region",
            "buyer_region_name",
            "within_region",
            "signed_on",
            "base",
        ]
        read_only_fields = fields


class DealWriteSerializer(serializers.Serializer):
    listing = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(required=False, max_length=200)
    field = serializers.ChoiceField(choices=TechField.choices, required=False)
    contract_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    registration_number = serializers.CharField(max_length=40)
    seller = serializers.IntegerField(required=False, allow_null=True)
    seller_region = serializers.CharField(required=False, max_length=16)
    buyer = serializers.IntegerField(required=False, allow_null=True)
    buyer_name = serializers.CharField(required=False, max_length=200)
    buyer_region = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=16)
    signed_on = serializers.DateField()
    base = serializers.IntegerField(required=False, allow_null=True)


class ShowcaseSerializer(PortalModelSerializer):
    province_name = serializers.CharField(source="province.name", read_only=True)
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Showcase
        fields = [
            "id",
            "province",
            "province_name",
            "title",
            "description",
            "venue",
            "starts_on",
            "ends_on",
            "item_count",
        ]
        read_only_fields = fields


class ShowcaseItemSerializer(PortalModelSerializer):
    listing = ListingSerializer(read_only=True)

    class Meta:
        model = ShowcaseItem
        fields = ["listing", "note", "added_at"]
        read_only_fields = fields


class ShowcaseDetailSerializer(ShowcaseSerializer):
    items = ShowcaseItemSerializer(source="shown_items", many=True, read_only=True)

    class Meta(ShowcaseSerializer.Meta):
        fields = [*ShowcaseSerializer.Meta.fields, "items"]
        read_only_fields = fields


class ShowcaseWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    venue = serializers.CharField(required=False, allow_blank=True, max_length=200)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class ShowcaseFeatureSerializer(serializers.Serializer):
    listing = serializers.IntegerField(min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
