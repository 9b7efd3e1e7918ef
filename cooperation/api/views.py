"""API viewsets of this app: querysets scoped by the policies, writes through the services."""

from __future__ import annotations

import inspect

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.response import Response

from portal.api.viewsets import PortalReadOnlyViewSet, PortalViewSet, TransitionMixin

from .. import selectors, services
from ..filters import (
    ApplicationFilterSet,
    ConsortiumFilterSet,
    ProgrammeFilterSet,
    ProjectFilterSet,
    ReportFilterSet,
    ReviewFilterSet,
    TopicFilterSet,
)
from ..models import Application, Consortium, Programme, ProgressReport, Project, Review, Topic
from . import serializers as s

__all__ = [
    "ProgrammeViewSet",
    "TopicViewSet",
    "ApplicationViewSet",
    "ReviewViewSet",
    "ProjectViewSet",
    "ReportViewSet",
    "ConsortiumViewSet",
]


def _inputs_for(service):
    """Pass a transition service only the inputs it takes (unknown fields in the body are ignored)."""
    params = inspect.signature(service).parameters

    def call(obj, *, actor, **inputs):
        return service(obj, actor=actor, **{k: v for k, v in inputs.items() if k in params and k != "actor"})

    return call


def _transitions(**services_):
    return {name: _inputs_for(fn) for name, fn in services_.items()}


class ProgrammeViewSet(TransitionMixin, PortalViewSet):
    queryset = Programme.objects.select_related("lead_region", "organizer").prefetch_related(
        "region_shares__region", "topics"
    )
    serializer_class = s.CoopProgrammeSerializer
    filterset_class = ProgrammeFilterSet
    api_scope = "cooperation"
    transition_services = _transitions(
        submit_for_approval=services.submit_programme,
        approve=services.approve_programme,
        close=services.close_programme,
        finish=services.finish_programme,
    )

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return s.CoopProgrammeCreateSerializer
        return s.CoopProgrammeSerializer

    @staticmethod
    def _plan(data: dict) -> dict:
        return {
            "year": data["year"],
            "title": data["title"],
            "guide": data.get("guide", ""),
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "min_regions": data["min_regions"],
            "funding_cap": data["funding_cap"],
            "region_budgets": {r.get("region"): r.get("budget") for r in data["regions"]},
            "topics": data["topics"],
        }

    def create(self, request, *args, **kwargs):
        ser = s.CoopProgrammeCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        programme = services.create_programme(actor=request.user, **self._plan(ser.validated_data))
        obj = self.get_queryset().get(pk=programme.pk)
        ctx = self.get_serializer_context()
        return Response(s.CoopProgrammeSerializer(obj, context=ctx).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CoopProgrammeCreateSerializer, responses=s.CoopProgrammeSerializer)
    def update(self, request, *args, **kwargs):
        """Change a draft programme (the lead region's officials); PATCH changes the fields given."""
        programme = self.get_object()
        partial = kwargs.get("partial", False)
        ser = s.CoopProgrammeCreateSerializer(data=request.data, partial=partial)
        ser.is_valid(raise_exception=True)
        current = {
            "year": programme.year,
            "title": programme.title,
            "guide": programme.guide,
            "opens_at": programme.opens_at,
            "closes_at": programme.closes_at,
            "min_regions": programme.min_regions,
            "funding_cap": programme.funding_cap,
            "regions": [{"region": x.region_id, "budget": x.budget} for x in programme.region_shares.all()],
            "topics": [
                {"code": t.code, "title": t.title, "field": t.field, "description": t.description}
                for t in programme.topics.all()
            ],
        }
        data = {**current, **ser.validated_data} if partial else ser.validated_data
        services.update_programme(programme, actor=request.user, **self._plan(data))
        obj = self.get_queryset().get(pk=programme.pk)
        return Response(s.CoopProgrammeSerializer(obj, context=self.get_serializer_context()).data)

    @extend_schema(request=s.CoopProgrammeCreateSerializer, responses=s.CoopProgrammeSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses=s.CoopApplicationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def ranking(self, request, pk=None):
        """The panel's ranking per topic: officials of the programme's regions only."""
        programme = self.get_object()
        if not selectors.can_see_ranking(request.user, programme):
            raise DRFPermissionDenied(_("The ranking is for the officials of the programme's regions."))
        rows = selectors.ranking(user=request.user, programme=programme)
        return Response(
            [
                {
                    "rank": r.rank,
                    "topic": r.topic_id,
                    "topic_code": r.topic.code,
                    "application": r.pk,
                    "title": r.title,
                    "lead_organization": r.lead_organization.name,
                    "state": r.state,
                    "score": None if r.score is None else round(float(r.score), 2),
                    "reviews": r.review_count,
                }
                for r in rows
            ]
        )


class TopicViewSet(PortalReadOnlyViewSet):
    queryset = Topic.objects.select_related("programme")
    serializer_class = s.CoopTopicSerializer
    filterset_class = TopicFilterSet
    api_scope = "cooperation"


class ApplicationViewSet(TransitionMixin, PortalViewSet):
    """Joint-research applications. The list leaves out ``research_plan`` and ``panel_outcome`` (read
    them on ``applications/{id}/``): fifty full research plans were most of a list page's size."""

    queryset = Application.objects.select_related("programme", "topic", "lead_organization").prefetch_related(
        "participants__organization", "region_decisions", selectors.submitted_reviews_prefetch()
    )
    serializer_class = s.CoopApplicationSerializer
    filterset_class = ApplicationFilterSet
    api_scope = "cooperation"
    transition_services = _transitions(
        submit=services.submit_application,
        return_for_changes=services.return_application,
        accept=services.accept_application,
        finish_review=services.finish_review,
        approve=services.approve_application,
        refuse=services.refuse_application,
        withdraw=services.withdraw_application,
    )

    def get_serializer_class(self):
        if self.action in ("create", "update"):
            return s.CoopApplicationWriteSerializer
        if self.action == "assign_expert":
            return s.CoopAssignExpertSerializer
        if self.action == "list":
            return s.CoopApplicationListSerializer
        return s.CoopApplicationSerializer

    def get_queryset(self):
        if self.action == "list":
            return selectors.application_rows(user=self.request.user)
        return super().get_queryset()

    def _save(self, request, application=None):
        ser = s.CoopApplicationWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        app = services.save_application(
            actor=request.user,
            application=application,
            programme=data["programme"],
            topic=data["topic"],
            title=data["title"],
            research_plan=data.get("research_plan", ""),
            participants=data["participants"],
        )
        return self.get_queryset().get(pk=app.pk)

    def create(self, request, *args, **kwargs):
        obj = self._save(request)
        return Response(s.CoopApplicationSerializer(obj).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        obj = self._save(request, self.get_object())
        return Response(s.CoopApplicationSerializer(obj).data)

    @action(detail=True, methods=["post"], url_path="assign-expert")
    def assign_expert(self, request, pk=None):
        application = self.get_object()
        ser = s.CoopAssignExpertSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        review = services.assign_expert(application, actor=request.user, expert=ser.validated_data["expert"])
        return Response(s.CoopReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def attachments(self, request, pk=None):
        application = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            return Response(
                {
                    "error": {
                        "code": "invalid",
                        "message": _("Some fields are not valid."),
                        "fields": {"file": [_("This field is required.")]},
                    }
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        att = services.attach_to_application(application, actor=request.user, upload=upload)
        return Response({"id": att.pk, "name": att.original_name, "sha256": att.sha256}, status=201)


class ReviewViewSet(TransitionMixin, PortalReadOnlyViewSet):
    """Reviews: the expert's own, and all of them for the officials of the programme's regions."""

    queryset = Review.objects.select_related("application", "expert")
    serializer_class = s.CoopReviewSerializer
    filterset_class = ReviewFilterSet
    api_scope = "cooperation"
    transition_services = _transitions(
        submit=services.submit_review, declare_conflict=services.declare_conflict
    )


class ProjectViewSet(TransitionMixin, PortalReadOnlyViewSet):
    queryset = Project.objects.select_related("lead_organization", "application__topic").prefetch_related(
        "milestones", "reports", "disbursements"
    )
    serializer_class = s.CoopProjectSerializer
    filterset_class = ProjectFilterSet
    api_scope = "cooperation"
    transition_services = _transitions(
        start_midterm=services.start_midterm,
        pass_midterm=services.pass_midterm,
        request_acceptance=services.request_acceptance,
        accept=services.accept_project,
        fail=services.fail_project,
    )

    def _run(self, request, serializer_cls, fn):
        project = self.get_object()
        ser = serializer_cls(data=request.data)
        ser.is_valid(raise_exception=True)
        fn(project, actor=request.user, **ser.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data, status=201)

    @extend_schema(request=s.CoopMilestoneCreateSerializer)
    @action(detail=True, methods=["post"])
    def milestones(self, request, pk=None):
        return self._run(request, s.CoopMilestoneCreateSerializer, services.add_milestone)

    @extend_schema(request=s.CoopReportCreateSerializer)
    @action(detail=True, methods=["post"])
    def reports(self, request, pk=None):
        return self._run(request, s.CoopReportCreateSerializer, services.schedule_report)

    @extend_schema(request=s.CoopDisbursementCreateSerializer)
    @action(detail=True, methods=["post"])
    def disbursements(self, request, pk=None):
        return self._run(request, s.CoopDisbursementCreateSerializer, services.record_disbursement)


class ReportViewSet(TransitionMixin, PortalReadOnlyViewSet):
    queryset = ProgressReport.objects.select_related("project")
    serializer_class = s.CoopReportSerializer
    filterset_class = ReportFilterSet
    api_scope = "cooperation"
    transition_services = _transitions(submit=services.submit_report)


class ConsortiumViewSet(TransitionMixin, PortalViewSet):
    queryset = Consortium.objects.select_related("lead_organization").prefetch_related(
        "members__organization"
    )
    serializer_class = s.CoopConsortiumSerializer
    filterset_class = ConsortiumFilterSet
    api_scope = "cooperation"
    transition_services = _transitions(
        activate=services.activate_consortium, dissolve=services.dissolve_consortium
    )

    def get_serializer_class(self):
        return s.CoopConsortiumCreateSerializer if self.action == "create" else s.CoopConsortiumSerializer

    @extend_schema(request=s.CoopConsortiumMemberSerializer)
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        consortium = self.get_object()
        ser = s.CoopConsortiumMemberSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.add_consortium_member(
            consortium, actor=request.user, organization=ser.validated_data["organization"]
        )
        return Response(
            s.CoopConsortiumSerializer(self.get_queryset().get(pk=consortium.pk)).data, status=201
        )

    @extend_schema(
        request=None,
        responses=s.CoopConsortiumSerializer,
        parameters=[OpenApiParameter("organization", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<organization>[^/.]+)")
    def remove_member(self, request, pk=None, organization=None):
        """Remove a member organization (officials of its region or of the lead's region)."""
        consortium = self.get_object()
        services.remove_consortium_member(consortium, actor=request.user, organization=organization)
        return Response(s.CoopConsortiumSerializer(self.get_queryset().get(pk=consortium.pk)).data)

    def create(self, request, *args, **kwargs):
        ser = s.CoopConsortiumCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        c = services.create_consortium(actor=request.user, **ser.validated_data)
        return Response(s.CoopConsortiumSerializer(self.get_queryset().get(pk=c.pk)).data, status=201)
