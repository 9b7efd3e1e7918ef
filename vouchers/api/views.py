"""API viewsets of this app: the same selectors, filters, policies and services as the pages."""

from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from portal.api.permissions import PublicReadPermission
from portal.api.viewsets import IDEMPOTENCY_PARAMETER, PortalReadOnlyViewSet, PortalViewSet, TransitionMixin
from portal.exceptions import ValidationError

from .. import selectors, services
from ..filters import (
    ApplicationFilterSet,
    BatchFilterSet,
    ClaimFilterSet,
    LedgerEntryFilterSet,
    ProgrammeFilterSet,
    ProviderFilterSet,
    ServiceFilterSet,
    VoucherFilterSet,
)
from ..models import (
    CLAIM_DOCUMENTS,
    Application,
    Claim,
    LedgerEntry,
    Programme,
    Provider,
    Service,
    SettlementBatch,
    Voucher,
)
from . import serializers as s

# The rows of the settlement statement, for the schema (a plain list of these, not paginated).
_STATEMENT_ROW = inline_serializer(
    "ClaimStatementRow",
    {
        "issuing_region": drf_serializers.CharField(),
        "provider_region": drf_serializers.CharField(),
        "cross_region": drf_serializers.BooleanField(),
        "claims": drf_serializers.IntegerField(),
        "total": drf_serializers.DecimalField(max_digits=14, decimal_places=2),
    },
    many=True,
)


class _WriteReadMixin:
    """Validate with ``write_serializer_class``, call ``create_service``, answer with the read serializer."""

    write_serializer_class = None

    def create(self, request, *args, **kwargs):
        write = self.write_serializer_class(data=request.data)
        write.is_valid(raise_exception=True)
        obj = self.perform_service(write.validated_data)
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


class _PatchMixin:
    """``PATCH /{id}/``: validate the changed fields with ``patch_serializer_class`` and call
    ``update_service`` (which checks the rule and the permission); answer with the read serializer."""

    patch_serializer_class = None

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        patch = self.patch_serializer_class(data=request.data, partial=True)
        patch.is_valid(raise_exception=True)
        obj = self.update_service(obj, actor=request.user, **patch.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data)


class ProgrammeViewSet(_WriteReadMixin, _PatchMixin, PortalViewSet):
    queryset = Programme.objects.select_related("region", "agency")
    serializer_class = s.ProgrammeSerializer
    write_serializer_class = s.ProgrammeWriteSerializer
    filterset_class = ProgrammeFilterSet
    permission_classes = [PublicReadPermission]
    api_scope = "vouchers"

    @extend_schema(request=s.ProgrammeWriteSerializer, parameters=[IDEMPOTENCY_PARAMETER])
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_service(self, data):
        return services.create_programme(actor=self.request.user, **data)

    patch_serializer_class = s.ProgrammeWriteSerializer
    update_service = staticmethod(services.update_programme)

    @extend_schema(request=s.ProgrammeWriteSerializer, responses=s.ProgrammeSerializer)
    def partial_update(self, request, *args, **kwargs):
        """The issuing agency changes its programme's rules before it opens (afterwards: 409)."""
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(
        request=s.ProgrammeBudgetSerializer,
        responses=s.ProgrammeSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="budget")
    def budget(self, request, pk=None):
        """Raise the budget (or lower it, never below what is issued): a ledger entry."""
        programme = self.get_object()
        form = s.ProgrammeBudgetSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.change_budget(programme, actor=request.user, **form.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=programme.pk)).data)

    @extend_schema(
        request=s.ProgrammeCloseSerializer,
        responses=s.ProgrammeSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="close")
    def close(self, request, pk=None):
        """Close to new applications; nothing already issued is released."""
        programme = self.get_object()
        form = s.ProgrammeCloseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.close_programme(programme, actor=request.user, **form.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=programme.pk)).data)


class ProviderViewSet(_WriteReadMixin, TransitionMixin, PortalViewSet):
    queryset = Provider.objects.select_related("organization", "province").annotate(
        service_count=Count("services")
    )
    serializer_class = s.ProviderSerializer
    write_serializer_class = s.ProviderSerializer
    filterset_class = ProviderFilterSet
    permission_classes = [PublicReadPermission]
    api_scope = "vouchers"
    transition_services = {
        "approve": services.approve_provider,
        "refuse": services.refuse_provider,
        "suspend": services.suspend_provider,
    }

    def perform_service(self, data):
        return services.register_provider(actor=self.request.user, **data)


class ServiceViewSet(_WriteReadMixin, _PatchMixin, PortalViewSet):
    queryset = Service.objects.select_related("provider__organization")
    serializer_class = s.ServiceSerializer
    write_serializer_class = s.ServiceSerializer
    filterset_class = ServiceFilterSet
    permission_classes = [PublicReadPermission]
    api_scope = "vouchers"

    def perform_service(self, data):
        return services.add_service(actor=self.request.user, **data)

    patch_serializer_class = s.ServiceWriteSerializer
    update_service = staticmethod(services.update_service)

    @extend_schema(request=s.ServiceWriteSerializer, responses=s.ServiceSerializer)
    def partial_update(self, request, *args, **kwargs):
        """The provider edits a service of its catalogue, or withdraws it (``active: false``)."""
        return super().partial_update(request, *args, **kwargs)


class ApplicationViewSet(_WriteReadMixin, TransitionMixin, PortalViewSet):
    queryset = Application.objects.select_related("programme", "applicant", "voucher")
    serializer_class = s.ApplicationSerializer
    write_serializer_class = s.ApplicationWriteSerializer
    filterset_class = ApplicationFilterSet
    api_scope = "vouchers"
    transition_services = {"approve": services.approve_application, "refuse": services.refuse_application}

    @extend_schema(request=s.ApplicationWriteSerializer, parameters=[IDEMPOTENCY_PARAMETER])
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_service(self, data):
        return services.apply_for_voucher(actor=self.request.user, **data)


class VoucherViewSet(TransitionMixin, PortalReadOnlyViewSet):
    queryset = Voucher.objects.select_related("programme", "holder")
    serializer_class = s.VoucherSerializer
    filterset_class = VoucherFilterSet
    api_scope = "vouchers"
    transition_services = {"revoke": services.revoke_voucher}


class ClaimViewSet(_WriteReadMixin, TransitionMixin, PortalViewSet):
    queryset = Claim.objects.select_related("voucher__holder", "provider__organization", "service")
    serializer_class = s.ClaimSerializer
    write_serializer_class = s.ClaimBookSerializer
    filterset_class = ClaimFilterSet
    api_scope = "vouchers"
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    transition_services = {
        "cancel": services.cancel_claim,
        "confirm": services.confirm_claim,
        "approve": services.approve_claim,
        "reject": services.reject_claim,
    }

    @extend_schema(request=s.ClaimBookSerializer, parameters=[IDEMPOTENCY_PARAMETER])
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_service(self, data):
        user = self.request.user
        voucher = selectors.voucher_list(user=user).filter(pk=data["voucher"].pk).first()
        if voucher is None:
            raise ValidationError({"voucher": _("No such voucher of yours.")})
        return services.book_service(
            actor=user, voucher=voucher, service=data["service"], quantity=data["quantity"]
        )

    @extend_schema(
        request=s.ClaimFileSerializer, parameters=[IDEMPOTENCY_PARAMETER], responses=s.ClaimSerializer
    )
    @action(detail=True, methods=["post"], url_path="file")
    def file(self, request, pk=None):
        """The provider files its claim (multipart: amount, and the four documents). Partner systems send
        an Idempotency-Key so a retry never files twice."""
        claim = self.get_object()
        form = s.ClaimFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        docs = {k: request.FILES[k] for k in CLAIM_DOCUMENTS if k in request.FILES}
        services.file_claim(
            claim,
            actor=request.user,
            amount=form.validated_data.get("amount"),
            price=form.validated_data.get("price"),
            documents=docs,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=claim.pk)).data)

    @extend_schema(responses=_STATEMENT_ROW)
    @action(detail=False, methods=["get"], url_path="statement", pagination_class=None, filterset_class=None)
    def statement(self, request):
        """The cross-region settlement statement: redeemed amounts by issuing region × provider region."""
        rows = selectors.cross_region_statement(
            user=request.user, year=selectors.statement_year(request.query_params.get("year"))
        )
        return Response([{**r, "total": str(r["total"])} for r in rows])


class SettlementBatchViewSet(_WriteReadMixin, TransitionMixin, PortalViewSet):
    queryset = SettlementBatch.objects.select_related("provider__organization").annotate(
        claim_count=Count("claims")
    )
    serializer_class = s.BatchSerializer
    write_serializer_class = s.BatchWriteSerializer
    filterset_class = BatchFilterSet
    api_scope = "vouchers"
    transition_services = {"pay": services.pay_batch}

    @extend_schema(request=s.BatchWriteSerializer, parameters=[IDEMPOTENCY_PARAMETER])
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_service(self, data):
        return services.create_batch(actor=self.request.user, provider=data["provider"])


class LedgerEntryViewSet(PortalReadOnlyViewSet):
    queryset = LedgerEntry.objects.all()
    serializer_class = s.LedgerEntrySerializer
    filterset_class = LedgerEntryFilterSet
    api_scope = "vouchers"


__all__ = [
    "ProgrammeViewSet",
    "ProviderViewSet",
    "ServiceViewSet",
    "ApplicationViewSet",
    "VoucherViewSet",
    "ClaimViewSet",
    "SettlementBatchViewSet",
    "LedgerEntryViewSet",
]
