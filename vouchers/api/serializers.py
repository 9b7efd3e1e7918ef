"""Serializers of this app's API. Write serializers validate input only; services do the rest."""

from rest_framework import serializers

from portal.api.representation import PortalModelSerializer

from ..models import (
    CLAIM_DOCUMENTS,
    Application,
    Claim,
    LedgerEntry,
    Programme,
    Provider,
    Service,
    ServiceCategory,
    SettlementBatch,
    Voucher,
)


class ProgrammeSerializer(PortalModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    available = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "region",
            "region_name",
            "agency",
            "agency_name",
            "year",
            "total_budget",
            "issued_total",
            "available",
            "cap_per_enterprise",
            "subsidy_ratio",
            "categories",
            "provider_regions",
            "eligible_kinds",
            "max_staff",
            "max_revenue",
            "min_rd_ratio",
            "valid_from",
            "valid_until",
            "open",
            "closed_at",
            "close_reason",
        ]
        read_only_fields = fields


class ProgrammeWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    total_budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    cap_per_enterprise = serializers.DecimalField(max_digits=14, decimal_places=2)
    subsidy_ratio = serializers.DecimalField(max_digits=4, decimal_places=3)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    categories = serializers.ListField(child=serializers.ChoiceField(ServiceCategory.choices), required=False)
    provider_regions = serializers.ListField(
        child=serializers.ChoiceField(["110000", "120000", "130000"]), required=False
    )
    max_staff = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2_147_483_646
    )
    max_revenue = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    min_rd_ratio = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, min_value=0, max_value=100
    )


class ProgrammeBudgetSerializer(serializers.Serializer):
    total_budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


class ProgrammeCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class ProviderSerializer(PortalModelSerializer):
    name = serializers.CharField(source="organization.name", read_only=True)
    region_name = serializers.CharField(source="province.name", read_only=True)
    service_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Provider
        fields = [
            "id",
            "organization",
            "name",
            "province",
            "region_name",
            "description",
            "contact",
            "state",
            "service_count",
        ]
        read_only_fields = ["id", "organization", "name", "province", "region_name", "state", "service_count"]


class ServiceSerializer(PortalModelSerializer):
    provider_name = serializers.CharField(source="provider.organization.name", read_only=True)
    provider_region = serializers.CharField(source="provider.province_id", read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "provider",
            "provider_name",
            "provider_region",
            "name",
            "model_number",
            "category",
            "unit_price",
            "unit",
            "active",
        ]
        read_only_fields = ["id", "provider", "provider_name", "provider_region", "active"]


class ServiceWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    model_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    category = serializers.ChoiceField(ServiceCategory.choices)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit = serializers.CharField(max_length=32)
    active = serializers.BooleanField(required=False)


class ApplicationSerializer(PortalModelSerializer):
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    voucher_code = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "programme",
            "programme_name",
            "applicant",
            "applicant_name",
            "amount",
            "purpose",
            "state",
            "decision_reason",
            "voucher_code",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "applicant",
            "applicant_name",
            "programme_name",
            "state",
            "decision_reason",
            "voucher_code",
            "created_at",
        ]

    def get_voucher_code(self, obj) -> str | None:
        voucher = getattr(obj, "voucher", None) if obj.state == "approved" else None
        return voucher.code if voucher else None


class ApplicationWriteSerializer(serializers.Serializer):
    programme = serializers.PrimaryKeyRelatedField(queryset=Programme.objects.all())
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class VoucherSerializer(PortalModelSerializer):
    holder_name = serializers.CharField(source="holder.name", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    issuing_region = serializers.CharField(source="programme.region_id", read_only=True)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Voucher
        fields = [
            "id",
            "code",
            "programme",
            "programme_name",
            "issuing_region",
            "holder",
            "holder_name",
            "amount",
            "reserved",
            "redeemed",
            "returned",
            "balance",
            "expires_on",
            "state",
        ]
        read_only_fields = fields


class ClaimSerializer(PortalModelSerializer):
    voucher_code = serializers.CharField(source="voucher.code", read_only=True)
    holder_name = serializers.CharField(source="voucher.holder.name", read_only=True)
    provider_name = serializers.CharField(source="provider.organization.name", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "voucher",
            "voucher_code",
            "holder_name",
            "provider",
            "provider_name",
            "service",
            "service_name",
            "issuing_region",
            "provider_region",
            "quantity",
            "price",
            "subsidy_ratio",
            "amount",
            "state",
            "rating",
            "comment",
            "batch",
            "filed_at",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class ClaimBookSerializer(serializers.Serializer):
    voucher = serializers.PrimaryKeyRelatedField(queryset=Voucher.objects.all())
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all())
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, default=1)


class ClaimFileSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    contract = serializers.FileField(required=False)
    invoice = serializers.FileField(required=False)
    payment_proof = serializers.FileField(required=False)
    service_record = serializers.FileField(required=False)

    documents = tuple(CLAIM_DOCUMENTS)


class BatchSerializer(PortalModelSerializer):
    provider_name = serializers.CharField(source="provider.organization.name", read_only=True)
    claim_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = SettlementBatch
        fields = [
            "id",
            "issuing_region",
            "provider",
            "provider_name",
            "total",
            "state",
            "claim_count",
            "paid_at",
            "payment_reference",
            "created_at",
        ]
        read_only_fields = fields


class BatchWriteSerializer(serializers.Serializer):
    provider = serializers.PrimaryKeyRelatedField(queryset=Provider.objects.all())


class LedgerEntrySerializer(PortalModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "at", "kind", "programme", "voucher", "claim", "amount", "note"]
        read_only_fields = fields
