"""Serializers of this app's API. Read serializers show what the selectors prefetch; write
serializers only shape input, the services validate and decide."""

from __future__ import annotations

from rest_framework import serializers

from portal.api.representation import PortalModelSerializer

from ..models import (
    AssistanceKind,
    AssistanceRequest,
    Case,
    Evidence,
    EvidenceAccess,
    InfringementType,
    IPType,
    JointOperation,
    JournalEntry,
    OperationTask,
    Referral,
)

__all__ = [
    "CaseSerializer",
    "CaseWriteSerializer",
    "ReferralSerializer",
    "ReferralRowSerializer",
    "AssistanceRequestRowSerializer",
    "ReferralWriteSerializer",
    "AssistanceRequestSerializer",
    "AssistanceWriteSerializer",
    "OperationSerializer",
    "OperationWriteSerializer",
    "TaskResultSerializer",
    "EvidenceSerializer",
    "EvidenceWriteSerializer",
    "EvidenceAccessSerializer",
    "JournalEntrySerializer",
    "JournalWriteSerializer",
    "ExtendSerializer",
]


class CaseSerializer(PortalModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    infringer_id_number = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "ip_type",
            "infringement_type",
            "title",
            "summary",
            "place",
            "place_region",
            "right_holder_name",
            "right_holder_uscc",
            "infringer_name",
            "infringer_uscc",
            "infringer_id_number",
            "agency",
            "agency_name",
            "province",
            "source",
            "state",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_infringer_id_number(self, obj) -> str:
        """In full for the handling agency's officers, masked for everyone else."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and obj.may_see_id_number(user):
            return obj.infringer_id_number()
        return obj.infringer_id_number_masked


class CaseWriteSerializer(serializers.Serializer):
    ip_type = serializers.ChoiceField(choices=IPType.choices)
    infringement_type = serializers.ChoiceField(choices=InfringementType.choices)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    place_region = serializers.CharField(max_length=16, required=False, allow_blank=True)
    right_holder_name = serializers.CharField(max_length=200)
    right_holder_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    infringer_name = serializers.CharField(max_length=200)
    infringer_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    infringer_id_number = serializers.CharField(
        max_length=18, required=False, allow_blank=True, write_only=True
    )
    agency = serializers.IntegerField(
        required=False, help_text="For a right holder's complaint: the agency it is filed with."
    )


class _FlowSerializer(PortalModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    from_agency_name = serializers.CharField(source="from_agency.name", read_only=True)
    to_agency_name = serializers.CharField(source="to_agency.name", read_only=True)


class ReferralSerializer(_FlowSerializer):
    class Meta:
        model = Referral
        fields = [
            "id",
            "number",
            "case",
            "case_number",
            "from_agency",
            "from_agency_name",
            "to_agency",
            "to_agency_name",
            "from_province",
            "to_province",
            "parent",
            "reason",
            "state",
            "received_case_number",
            "returned_part",
            "return_reason",
            "outcome",
            "feedback",
            "penalty_amount",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class _FlowRowFields(serializers.Serializer):
    # The values ip_enforcement.selectors.FLOW_ROW_NAMES reads as columns of each row.
    case_number = serializers.CharField(read_only=True)
    from_agency_name = serializers.CharField(read_only=True)
    to_agency_name = serializers.CharField(read_only=True)


class ReferralRowSerializer(_FlowRowFields, ReferralSerializer):
    """A referral as the API list shows it (selectors.referral_rows); equal to its detail."""


class ReferralWriteSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    to_agency = serializers.IntegerField()
    reason = serializers.CharField()


class AssistanceRequestSerializer(_FlowSerializer):
    class Meta:
        model = AssistanceRequest
        fields = [
            "id",
            "number",
            "case",
            "case_number",
            "kind",
            "from_agency",
            "from_agency_name",
            "to_agency",
            "to_agency_name",
            "from_province",
            "to_province",
            "actions",
            "state",
            "decline_reason",
            "findings",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AssistanceRequestRowSerializer(_FlowRowFields, AssistanceRequestSerializer):
    """An assistance request as the API list shows it (selectors.assistance_rows); equal to its detail."""


class AssistanceWriteSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    to_agency = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AssistanceKind.choices)
    actions = serializers.CharField()


class TaskSerializer(PortalModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = OperationTask
        fields = ["id", "agency", "agency_name", "description", "result", "done_at"]
        read_only_fields = fields


class OperationSerializer(PortalModelSerializer):
    lead_agency_name = serializers.CharField(source="lead_agency.name", read_only=True)
    tasks = TaskSerializer(many=True, read_only=True)

    class Meta:
        model = JointOperation
        fields = [
            "id",
            "title",
            "case",
            "lead_agency",
            "lead_agency_name",
            "targets",
            "starts_on",
            "ends_on",
            "state",
            "summary",
            "tasks",
            "created_at",
        ]
        read_only_fields = fields


class TaskInputSerializer(serializers.Serializer):
    agency = serializers.IntegerField()
    description = serializers.CharField()


class OperationWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    case = serializers.IntegerField(required=False, allow_null=True)
    targets = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    tasks = TaskInputSerializer(many=True)


class TaskResultSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    result = serializers.CharField()


class EvidenceSerializer(PortalModelSerializer):
    file_name = serializers.CharField(source="attachment.original_name", read_only=True)
    sha256 = serializers.CharField(source="attachment.sha256", read_only=True)
    size = serializers.IntegerField(source="attachment.size", read_only=True)
    mime_type = serializers.CharField(source="attachment.mime_type", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Evidence
        fields = [
            "id",
            "case",
            "description",
            "file_name",
            "sha256",
            "size",
            "mime_type",
            "assistance_request",
            "organization",
            "organization_name",
            "created_at",
        ]
        read_only_fields = fields


class EvidenceAccessSerializer(PortalModelSerializer):
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True, default="")

    class Meta:
        model = EvidenceAccess
        fields = ["id", "action", "user_name", "organization_name", "at"]
        read_only_fields = fields


class EvidenceWriteSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    description = serializers.CharField(max_length=300)
    file = serializers.FileField()
    assistance_request = serializers.IntegerField(required=False, allow_null=True)


class JournalEntrySerializer(PortalModelSerializer):
    author_name = serializers.CharField(source="author.__str__", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = JournalEntry
        fields = ["id", "case", "kind", "text", "author_name", "organization_name", "created_at"]
        read_only_fields = fields


class JournalWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=JournalEntry.Kind.choices, required=False)
    text = serializers.CharField(max_length=5000)


class ExtendSerializer(serializers.Serializer):
    reason = serializers.CharField()
