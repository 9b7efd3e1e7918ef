"""API viewsets of this app: cases, referrals, assistance requests, joint operations, evidence and the
case journal, so each region's own case system can send and answer referrals."""

from __future__ import annotations

import inspect
from functools import wraps

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from portal import attachments
from portal.api.errors import error_body
from portal.api.viewsets import IDEMPOTENCY_PARAMETER, PortalViewSet, TransitionMixin, TransitionSerializer
from portal.exceptions import ValidationError

from .. import selectors, services
from ..filters import (
    AssistanceFilterSet,
    CaseFilterSet,
    EvidenceFilterSet,
    OperationFilterSet,
    ReferralFilterSet,
)
from ..models import Case, Evidence, OperationTask
from . import serializers as s

__all__ = [
    "CaseViewSet",
    "ReferralViewSet",
    "AssistanceRequestViewSet",
    "OperationViewSet",
    "EvidenceViewSet",
]


def accepting_known_inputs(service):
    """Pass a transition service only the inputs it declares (extra fields in a body are ignored)."""
    params = inspect.signature(service).parameters
    names = {n for n, p in params.items() if p.kind == p.KEYWORD_ONLY}

    @wraps(service)
    def call(obj, *, actor, **inputs):
        return service(obj, actor=actor, **{k: v for k, v in inputs.items() if k in names and k != "actor"})

    return call


def _visible_case(user, case_id, field: str = "case") -> Case:
    case = selectors.case_list(user=user).filter(pk=case_id).first() if case_id is not None else None
    if case is None:
        raise ValidationError({field: _("No such case among those you may see.")})
    return case


def _reason(request) -> str:
    """The optional ``reason`` of a body; a body that is not an object (a list, a number) is a 400,
    not a 500 (the services decide whether a reason is required)."""
    body = TransitionSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data.get("reason", "")


class CaseViewSet(PortalViewSet):
    queryset = Case.objects.select_related("agency", "province", "place_region")
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilterSet
    api_scope = "ip_enforcement"
    ordering_fields = ["created_at", "id"]

    @extend_schema(
        request=s.CaseWriteSerializer, responses=s.CaseSerializer, parameters=[IDEMPOTENCY_PARAMETER]
    )
    def create(self, request, *args, **kwargs):
        data = s.CaseWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        agency = fields.pop("agency", None)
        if agency is not None and not request.user.is_official:
            case = services.file_complaint(actor=request.user, agency=agency, **fields)
        else:
            case = services.create_case(actor=request.user, **fields)
        return Response(self.get_serializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ExtendSerializer, responses=s.CaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The handling agency closes its case."""
        case = self.get_object()
        case = services.close_case(case, actor=request.user, reason=_reason(request))
        return Response(self.get_serializer(case).data)

    @extend_schema(methods=["GET"], responses=s.JournalEntrySerializer(many=True), summary="The case journal")
    @extend_schema(methods=["POST"], request=s.JournalWriteSerializer, responses=s.JournalEntrySerializer)
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # the whole journal, a plain list
    def journal(self, request, pk=None):
        case = self.get_object()
        if request.method == "POST":
            data = s.JournalWriteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            entry = services.add_journal_entry(actor=request.user, case=case, **data.validated_data)
            return Response(s.JournalEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
        entries = selectors.journal_list(user=request.user).filter(case=case)
        return Response(s.JournalEntrySerializer(entries, many=True).data)


class _FlowViewSet(TransitionMixin, PortalViewSet):
    api_scope = "ip_enforcement"
    write_serializer = None
    ordering_fields = ["created_at", "id"]
    rows_selector = None  # the list's rows (selectors.referral_rows, …)
    row_serializer = None

    def get_queryset(self):
        if self.action == "list":
            return self.rows_selector(user=self.request.user)
        return super().get_queryset()

    def get_serializer_class(self):
        return self.row_serializer if self.action == "list" else super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        data = self.write_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        case = _visible_case(request.user, fields.pop("case"))
        obj = self.create_service(actor=request.user, case=case, **fields)
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


class ReferralViewSet(_FlowViewSet):
    queryset = selectors.Referral.objects.select_related("case").prefetch_related(*selectors.SHARED_RELATIONS)
    serializer_class = s.ReferralSerializer
    row_serializer = s.ReferralRowSerializer
    rows_selector = staticmethod(selectors.referral_rows)
    filterset_class = ReferralFilterSet
    write_serializer = s.ReferralWriteSerializer
    create_service = staticmethod(services.refer_case)
    transition_services = {k: accepting_known_inputs(v) for k, v in services.REFERRAL_TRANSITIONS.items()}

    @extend_schema(
        request=s.ReferralWriteSerializer, responses=s.ReferralSerializer, parameters=[IDEMPOTENCY_PARAMETER]
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=s.ExtendSerializer, responses=s.ReferralSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Extend the 立案 decision deadline once by 15 working days, with a reason."""
        referral = self.get_object()
        services.extend_referral_decision(referral, actor=request.user, reason=_reason(request))
        return Response(self.get_serializer(self.get_queryset().get(pk=referral.pk)).data)


class AssistanceRequestViewSet(_FlowViewSet):
    queryset = selectors.AssistanceRequest.objects.select_related("case").prefetch_related(
        *selectors.SHARED_RELATIONS
    )
    serializer_class = s.AssistanceRequestSerializer
    row_serializer = s.AssistanceRequestRowSerializer
    rows_selector = staticmethod(selectors.assistance_rows)
    filterset_class = AssistanceFilterSet
    write_serializer = s.AssistanceWriteSerializer
    create_service = staticmethod(services.request_assistance)
    transition_services = {k: accepting_known_inputs(v) for k, v in services.ASSISTANCE_TRANSITIONS.items()}

    @extend_schema(
        request=s.AssistanceWriteSerializer,
        responses=s.AssistanceRequestSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class OperationViewSet(TransitionMixin, PortalViewSet):
    queryset = selectors.JointOperation.objects.select_related("lead_agency", "case").prefetch_related(
        selectors.Prefetch("tasks", queryset=OperationTask.objects.select_related("agency"))
    )
    serializer_class = s.OperationSerializer
    filterset_class = OperationFilterSet
    api_scope = "ip_enforcement"
    transition_services = {k: accepting_known_inputs(v) for k, v in services.OPERATION_TRANSITIONS.items()}

    @extend_schema(
        request=s.OperationWriteSerializer,
        responses=s.OperationSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request, *args, **kwargs):
        data = s.OperationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        case_id = fields.pop("case", None)
        case = _visible_case(request.user, case_id) if case_id is not None else None
        op = services.create_operation(actor=request.user, case=case, **fields)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=op.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=s.TaskResultSerializer, responses=s.OperationSerializer)
    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        """Record the result of one of the operation's tasks (by the agency given the task)."""
        op = self.get_object()
        data = s.TaskResultSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = op.tasks.filter(pk=data.validated_data["task"]).first()
        if task is None:
            raise ValidationError({"task": _("No such task in this operation.")})
        services.record_task_result(task, actor=request.user, result=data.validated_data["result"])
        return Response(self.get_serializer(self.get_queryset().get(pk=op.pk)).data)


class EvidenceViewSet(PortalViewSet):
    queryset = Evidence.objects.select_related("attachment", "organization", "uploaded_by", "case")
    serializer_class = s.EvidenceSerializer
    api_scope = "ip_enforcement"
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_class = EvidenceFilterSet

    @extend_schema(
        request=s.EvidenceWriteSerializer, responses=s.EvidenceSerializer, parameters=[IDEMPOTENCY_PARAMETER]
    )
    def create(self, request, *args, **kwargs):
        data = s.EvidenceWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        case = _visible_case(request.user, fields["case"])
        req = None
        if fields.get("assistance_request") is not None:
            req = (
                selectors.assistance_list(user=request.user)
                .filter(pk=fields["assistance_request"], case=case)
                .first()
            )
            if req is None:
                raise ValidationError({"assistance_request": _("No such request on this case.")})
        ev = services.add_evidence(
            actor=request.user,
            case=case,
            upload=fields["file"],
            description=fields["description"],
            assistance_request=req,
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=ev.pk)).data, status=status.HTTP_201_CREATED
        )

    def retrieve(self, request, *args, **kwargs):
        """One evidence file's record; the view is written to the evidence log."""
        ev = self.get_object()
        services.log_evidence_views(actor=request.user, evidence=[ev])
        return Response(self.get_serializer(ev).data)

    @extend_schema(responses=s.EvidenceAccessSerializer(many=True))
    @action(detail=True, methods=["get"])
    def log(self, request, pk=None):
        """The evidence log of this file: who uploaded, viewed or downloaded it, and failed checks."""
        ev = self.get_object()
        return Response(
            s.EvidenceAccessSerializer(ev.accesses.select_related("user", "organization"), many=True).data
        )

    @extend_schema(responses={(200, "application/octet-stream"): bytes, 409: dict})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file, served only if its SHA-256 still matches the one recorded at upload (else 409)."""
        ev = self.get_object()
        try:
            return services.download_evidence(actor=request.user, evidence=ev)
        except attachments.IntegrityFailure:
            return Response(
                error_body(
                    "integrity_failure",
                    _(
                        "This file has been altered since it was uploaded (SHA-256 mismatch); it will not be served."
                    ),
                ),
                status=status.HTTP_409_CONFLICT,
            )
