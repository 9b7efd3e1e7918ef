"""Serializers of this app's API. Write serializers validate the shape of the input only; the
services check the rules."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.representation import PortalModelSerializer, local_datetime
from portal.permissions import is_platform_admin, official_province_id

from ..models import (
    Application,
    Consortium,
    KeyField,
    Participant,
    Programme,
    ProgressReport,
    Project,
    Review,
    Topic,
)
from ..selectors import panel_outcome

__all__ = [
    "CoopTopicSerializer",
    "CoopProgrammeSerializer",
    "CoopProgrammeCreateSerializer",
    "CoopApplicationSerializer",
    "CoopApplicationListSerializer",
    "CoopApplicationWriteSerializer",
    "CoopReviewSerializer",
    "CoopProjectSerializer",
    "CoopReportSerializer",
    "CoopConsortiumSerializer",
    "CoopConsortiumCreateSerializer",
    "CoopAssignExpertSerializer",
    "CoopConsortiumMemberSerializer",
    "CoopPanelOutcomeSerializer",
    "CoopMilestoneCreateSerializer",
    "CoopReportCreateSerializer",
    "CoopDisbursementCreateSerializer",
]


class CoopTopicSerializer(PortalModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "programme", "code", "title", "field", "description"]


class CoopProgrammeSerializer(PortalModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    organizer_name = serializers.CharField(source="organizer.name", read_only=True)
    regions = serializers.SerializerMethodField()
    topics = CoopTopicSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "year",
            "title",
            "guide",
            "lead_region",
            "organizer",
            "organizer_name",
            "opens_at",
            "closes_at",
            "min_regions",
            "funding_cap",
            "state",
            "state_display",
            "regions",
            "topics",
        ]

    def get_regions(self, obj) -> list[dict]:
        """Each region's committed budget; the funding it has approved so far and what remains are
        for officials only (they reveal decisions still pending)."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        officials = bool(user is not None and (official_province_id(user) or is_platform_admin(user)))
        return [
            {
                "region": s.region_id,
                "name": s.region.name,
                "budget": str(s.budget),
                "allocated": str(s.allocated) if officials else None,
                "remaining": str(s.remaining) if officials else None,
                "approved_at": local_datetime(s.approved_at),
            }
            for s in obj.region_shares.all()
        ]


class _CoopRegionBudget(serializers.Serializer):
    region = serializers.ChoiceField(choices=["110000", "120000", "130000"])
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))


class _CoopTopicInput(serializers.Serializer):
    code = serializers.CharField(max_length=16)
    title = serializers.CharField(max_length=200)
    field = serializers.ChoiceField(choices=KeyField.choices)
    description = serializers.CharField(required=False, allow_blank=True)


class CoopProgrammeCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200)
    guide = serializers.CharField(required=False, allow_blank=True)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    min_regions = serializers.IntegerField(min_value=2, max_value=3, default=2)
    funding_cap = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    regions = _CoopRegionBudget(many=True)
    topics = _CoopTopicInput(many=True)


class _CoopParticipantSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    principal_investigator = serializers.CharField(max_length=100)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))


class _CoopParticipantReadSerializer(PortalModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    region = serializers.CharField(source="province_id", read_only=True)

    class Meta:
        model = Participant
        fields = [
            "organization",
            "organization_name",
            "region",
            "is_lead",
            "principal_investigator",
            "budget",
        ]


class _CoopParticipantRowSerializer(_CoopParticipantReadSerializer):
    """A participant of ``selectors.application_rows``: its organization's name is a column there."""

    organization_name = serializers.CharField(read_only=True)


class _CoopCriteriaSerializer(serializers.Serializer):
    innovation = serializers.FloatField(allow_null=True)
    feasibility = serializers.FloatField(allow_null=True)
    team = serializers.FloatField(allow_null=True)
    collaboration = serializers.FloatField(allow_null=True)


class CoopPanelOutcomeSerializer(serializers.Serializer):
    """The panel's outcome for one decided application: no expert names, no ranking."""

    reviews = serializers.IntegerField()
    criteria = _CoopCriteriaSerializer()
    average_total = serializers.FloatField(allow_null=True)
    max_total = serializers.IntegerField()
    comments = serializers.ListField(child=serializers.CharField())


class CoopApplicationSerializer(PortalModelSerializer):
    programme_title = serializers.CharField(source="programme.title", read_only=True)
    topic_title = serializers.CharField(source="topic.title", read_only=True)
    field = serializers.CharField(source="topic.field", read_only=True)
    lead_organization_name = serializers.CharField(source="lead_organization.name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    participants = _CoopParticipantReadSerializer(many=True, read_only=True)
    budget_total = serializers.SerializerMethodField()
    budget_by_region = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()
    panel_outcome = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "programme",
            "programme_title",
            "topic",
            "topic_title",
            "field",
            "title",
            "lead_organization",
            "lead_organization_name",
            "research_plan",
            "state",
            "state_display",
            "participants",
            "budget_total",
            "budget_by_region",
            "decisions",
            "panel_outcome",
            "submitted_at",
            "decided_at",
        ]

    @extend_schema_field(CoopPanelOutcomeSerializer(allow_null=True))
    def get_panel_outcome(self, obj):
        """After the joint decision: the panel's scores summary for this application (null before)."""
        return panel_outcome(obj)

    def _participants(self, obj):
        return obj.participants.all()

    def _decisions(self, obj):
        return obj.region_decisions.all()

    def get_budget_total(self, obj) -> str:
        return str(sum((p.budget for p in self._participants(obj)), Decimal("0")))

    def get_budget_by_region(self, obj) -> dict:
        out: dict[str, Decimal] = {}
        for p in self._participants(obj):
            out[p.province_id] = out.get(p.province_id, Decimal("0")) + p.budget
        return {k: str(v) for k, v in sorted(out.items())}

    def get_decisions(self, obj) -> list:
        return [
            {
                "region": d.region_id,
                "approved": d.approved,
                "reason": d.reason,
                "decided_at": local_datetime(d.decided_at),
            }
            for d in self._decisions(obj)
        ]


class CoopApplicationListSerializer(CoopApplicationSerializer):
    """An application in a list: everything but the research plan and the panel's outcome, which the
    detail shows (a page of fifty full plans was most of the list's bytes and time; bench, issue 10).
    Reads the participants and decisions ``selectors.application_rows`` prefetched as lists."""

    participants = _CoopParticipantRowSerializer(source="participant_rows", many=True, read_only=True)

    def _participants(self, obj):
        return obj.participant_rows

    def _decisions(self, obj):
        return obj.decision_rows

    class Meta(CoopApplicationSerializer.Meta):
        fields = [
            f for f in CoopApplicationSerializer.Meta.fields if f not in ("research_plan", "panel_outcome")
        ]


class CoopApplicationWriteSerializer(serializers.Serializer):
    programme = serializers.IntegerField()
    topic = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    research_plan = serializers.CharField(required=False, allow_blank=True, default="")
    participants = _CoopParticipantSerializer(many=True)


class CoopReviewSerializer(PortalModelSerializer):
    application_title = serializers.CharField(source="application.title", read_only=True)
    programme = serializers.IntegerField(source="application.programme_id", read_only=True)
    topic = serializers.IntegerField(source="application.topic_id", read_only=True)
    expert_name = serializers.CharField(source="expert.__str__", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    total = serializers.IntegerField(read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "application",
            "application_title",
            "programme",
            "topic",
            "expert",
            "expert_name",
            "state",
            "state_display",
            "innovation",
            "feasibility",
            "team",
            "collaboration",
            "total",
            "comments",
            "conflict_reason",
            "created_at",
        ]


class CoopReportSerializer(PortalModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = ProgressReport
        fields = ["id", "project", "period", "due_date", "state", "state_display", "content", "submitted_at"]


class CoopProjectSerializer(PortalModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    lead_organization_name = serializers.CharField(source="lead_organization.name", read_only=True)
    field = serializers.CharField(source="application.topic.field", read_only=True)
    milestones = serializers.SerializerMethodField()
    reports = CoopReportSerializer(many=True, read_only=True)
    disbursed = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "title",
            "programme",
            "application",
            "field",
            "lead_organization",
            "lead_organization_name",
            "state",
            "state_display",
            "midterm_done",
            "midterm_opinion",
            "final_result",
            "milestones",
            "reports",
            "disbursed",
            "created_at",
        ]

    def get_milestones(self, obj) -> list:
        return [
            {"id": m.pk, "title": m.title, "due_date": m.due_date, "done_at": local_datetime(m.done_at)}
            for m in obj.milestones.all()
        ]

    def get_disbursed(self, obj) -> dict:
        out: dict[str, Decimal] = {}
        for d in obj.disbursements.all():
            out[d.region_id] = out.get(d.region_id, Decimal("0")) + d.amount
        return {k: str(v) for k, v in sorted(out.items())}


class CoopConsortiumSerializer(PortalModelSerializer):
    lead_organization_name = serializers.CharField(source="lead_organization.name", read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Consortium
        fields = [
            "id",
            "kind",
            "name",
            "field",
            "lead_organization",
            "lead_organization_name",
            "status",
            "description",
            "members",
        ]

    def get_members(self, obj) -> list:
        return [
            {"organization": m.organization_id, "name": m.organization.name, "region": m.province_id}
            for m in obj.members.all()
        ]


class CoopConsortiumCreateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField(max_length=200)
    field = serializers.CharField()
    lead_organization = serializers.IntegerField()
    members = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class CoopConsortiumMemberSerializer(serializers.Serializer):
    organization = serializers.IntegerField()


class CoopAssignExpertSerializer(serializers.Serializer):
    expert = serializers.IntegerField()


class CoopMilestoneCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField()


class CoopReportCreateSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=50)
    due_date = serializers.DateField()


class CoopDisbursementCreateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    paid_on = serializers.DateField()
