from django.utils.translation import gettext as _
from rest_framework import serializers

from portal.api.representation import PortalModelSerializer
from portal.models import (
    AuditEntry,
    Deadline,
    Notification,
    Organization,
    Region,
    WebhookDelivery,
    WebhookSubscription,
)
from portal.validators import normalize_uscc, validate_uscc

__all__ = [
    "RegionSerializer",
    "OrganizationSerializer",
    "NotificationSerializer",
    "DeadlineSerializer",
    "AuditEntrySerializer",
    "WebhookSubscriptionSerializer",
    "WebhookDeliverySerializer",
    "ProposeDueDateSerializer",
]


class RegionSerializer(PortalModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "kind", "parent", "province"]


class OrganizationSerializer(PortalModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "name",
            "uscc",
            "region",
            "region_name",
            "province",
            "agency_domain",
            "verified",
        ]
        read_only_fields = ["province", "verified"]

    def validate_uscc(self, value: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            validate_uscc(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return normalize_uscc(value)

    def validate(self, attrs):
        if attrs.get("agency_domain") and attrs.get("kind") != "agency":
            raise serializers.ValidationError(
                {"agency_domain": _("Only government agencies have an agency domain.")}
            )
        return attrs


class NotificationSerializer(PortalModelSerializer):
    event_type = serializers.CharField(source="event.type", read_only=True)
    event_id = serializers.UUIDField(source="event.id", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "event_id", "event_type", "title", "body", "link", "created_at", "read_at"]


class DeadlineSerializer(PortalModelSerializer):
    object_type = serializers.CharField(source="content_type.model", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Deadline
        fields = [
            "id",
            "object_type",
            "object_id",
            "kind",
            "label",
            "link",
            "started_at",
            "due_at",
            "days",
            "unit",
            "status",
            "is_overdue",
            "responsible_organization",
            "responsible_region",
            "requester_organization",
            "reminded_at",
            "escalated_at",
            "extensions",
            "proposed_due_at",
            "proposal_reason",
            "proposal_status",
        ]


class ProposeDueDateSerializer(serializers.Serializer):
    new_due = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class AuditEntrySerializer(PortalModelSerializer):
    object_type = serializers.CharField(source="content_type.model", read_only=True, default=None)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "organization",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "message",
            "ip",
            "request_id",
        ]


class WebhookSubscriptionSerializer(PortalModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = ["id", "organization", "url", "event_types", "secret", "active", "created_at"]
        read_only_fields = ["organization", "secret", "created_at"]


class WebhookDeliverySerializer(PortalModelSerializer):
    event_type = serializers.CharField(source="event.type", read_only=True)
    event_id = serializers.UUIDField(source="event.id", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "subscription",
            "status",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_error",
        ]
