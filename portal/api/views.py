from django.db import transaction
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal import audit, deadlines, outbox
from portal.api.permissions import PublicReadPermission
from portal.api.serializers import (
    AuditEntrySerializer,
    DeadlineSerializer,
    NotificationSerializer,
    OrganizationSerializer,
    ProposeDueDateSerializer,
    RegionSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionSerializer,
)
from portal.api.viewsets import PortalReadOnlyViewSet, PortalViewSetMixin
from portal.filters import AuditEntryFilterSet, DeadlineFilterSet, WebhookDeliveryFilterSet
from portal.models import (
    AuditEntry,
    Deadline,
    Notification,
    Organization,
    Region,
    WebhookDelivery,
    WebhookSubscription,
)
from portal.permissions import require

__all__ = [
    "RegionViewSet",
    "OrganizationViewSet",
    "NotificationViewSet",
    "DeadlineViewSet",
    "AuditEntryViewSet",
    "WebhookSubscriptionViewSet",
    "WebhookDeliveryViewSet",
]


class RegionViewSet(PortalReadOnlyViewSet):
    queryset = Region.objects.select_related("province", "parent")
    serializer_class = RegionSerializer
    permission_classes = [PublicReadPermission]
    filterset_fields = ["kind", "province", "parent"]
    pagination_class = None
    api_scope = "portal"


class OrganizationFilterSet(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Organization
        fields = ["kind", "province", "region", "agency_domain", "verified", "uscc"]


class OrganizationViewSet(PortalReadOnlyViewSet):
    queryset = Organization.objects.select_related("region", "province")
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    api_scope = "portal"


class NotificationViewSet(PortalReadOnlyViewSet):
    queryset = Notification.objects.select_related("event")
    serializer_class = NotificationSerializer
    filterset_fields = {"read_at": ["isnull"]}
    api_scope = "portal"

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        note = self.get_object()
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
        note.refresh_from_db()
        return Response(self.get_serializer(note).data)


class DeadlineViewSet(PortalReadOnlyViewSet):
    queryset = Deadline.objects.select_related("content_type")
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilterSet
    api_scope = "portal"

    @extend_schema(request=ProposeDueDateSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        d = self.get_object()
        require(request.user, "propose", d)
        ser = ProposeDueDateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = deadlines.propose_due_date(d, actor=request.user, **ser.validated_data)
        return Response(self.get_serializer(d).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="accept-proposal")
    def accept_proposal(self, request, pk=None):
        d = self.get_object()
        require(request.user, "answer_proposal", d)
        return Response(
            self.get_serializer(deadlines.answer_proposal(d, accept=True, actor=request.user)).data
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="refuse-proposal")
    def refuse_proposal(self, request, pk=None):
        d = self.get_object()
        require(request.user, "answer_proposal", d)
        return Response(
            self.get_serializer(deadlines.answer_proposal(d, accept=False, actor=request.user)).data
        )


class AuditEntryViewSet(PortalReadOnlyViewSet):
    queryset = AuditEntry.objects.select_related("content_type")
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
    api_scope = "portal"


class WebhookSubscriptionViewSet(
    PortalViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = WebhookSubscription.objects.select_related("organization")
    serializer_class = WebhookSubscriptionSerializer
    api_scope = "portal"

    def perform_create(self, serializer):
        with transaction.atomic():
            sub = serializer.save(
                organization_id=self.request.user.organization_id, secret=outbox.secret_new()
            )
            audit.record(audit.AuditAction.CREATE, sub, actor=self.request.user, changes=audit.snapshot(sub))

    def perform_update(self, serializer):
        require(self.request.user, "change", serializer.instance)
        with transaction.atomic():
            before = audit.snapshot(serializer.instance)
            sub = serializer.save()
            audit.record(
                audit.AuditAction.UPDATE,
                sub,
                actor=self.request.user,
                changes=audit.diff(before, audit.snapshot(sub)),
            )

    def perform_destroy(self, instance):
        require(self.request.user, "delete", instance)
        with transaction.atomic():
            audit.record(audit.AuditAction.DELETE, instance, actor=self.request.user)
            instance.delete()


class WebhookDeliveryViewSet(PortalReadOnlyViewSet):
    queryset = WebhookDelivery.objects.select_related("event")
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilterSet
    api_scope = "portal"

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        delivery = self.get_object()
        require(request.user, "replay", delivery)
        outbox.replay_webhook(delivery, actor=request.user)
        delivery.refresh_from_db()
        return Response(self.get_serializer(delivery).data)
