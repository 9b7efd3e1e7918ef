"""API viewsets of the talent app (mounted at /api/v1/talent/)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from portal.api.errors import error_body
from portal.api.viewsets import PortalReadOnlyViewSet, PortalViewSet, TransitionMixin
from portal.throttling import ScopeThrottle

from .. import selectors, services
from ..filters import AppointmentFilterSet, RecognitionRequestFilterSet, RegistryEntryFilterSet
from ..models import Appointment, Certificate, RecognitionRequest, RegistryEntry, RegistryImport
from .serializers import (
    AppointmentCreateSerializer,
    AppointmentSerializer,
    CertificateSerializer,
    CertificateVerificationSerializer,
    RecognitionRequestCreateSerializer,
    RecognitionRequestRowSerializer,
    RecognitionRequestSerializer,
    RegistryEntrySerializer,
    RegistryImportSerializer,
)

__all__ = [
    "RecognitionRequestViewSet",
    "CertificateViewSet",
    "AppointmentViewSet",
    "RegistryEntryViewSet",
    "RegistryImportViewSet",
]


def _step(service):
    """A transition endpoint's call: only ``reason`` is passed on; other body fields are ignored."""

    def run(obj, *, actor, reason="", **_ignored):
        return service(obj, actor=actor, reason=str(reason or ""))

    return run


class RecognitionRequestViewSet(TransitionMixin, PortalViewSet):
    """Recognition requests. Issuing regions' systems answer verification requests with
    ``POST …/{id}/transition/acknowledge|verify|not_verify/``."""

    queryset = RecognitionRequest.objects.all()
    serializer_class = RecognitionRequestSerializer
    filterset_class = RecognitionRequestFilterSet
    ordering_fields = ["created_at", "id"]
    api_scope = "talent"
    transition_services = {
        "request_verification": _step(services.request_forward),
        "acknowledge": _step(services.request_acknowledge),
        "verify": _step(services.request_verify),
        "not_verify": _step(services.request_not_verify),
        "recognize": _step(services.request_recognize),
        "refuse": _step(services.request_refuse),
        "revoke": _step(services.request_revoke),
        "withdraw": _step(services.request_withdraw),
    }

    def get_queryset(self):
        if self.action == "list":
            return selectors.request_rows(user=self.request.user)
        return selectors.request_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return RecognitionRequestRowSerializer
        return super().get_serializer_class()

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        ctx["reveal_id_number"] = self.action in ("retrieve", "transition")
        return ctx

    @extend_schema(request=RecognitionRequestCreateSerializer, responses=RecognitionRequestSerializer)
    def create(self, request, *args, **kwargs):
        data = RecognitionRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["evidence"] = list(values.get("evidence") or []) or request.FILES.getlist("evidence")
        req = services.request_file(actor=request.user, **values)
        obj = self.get_queryset().get(pk=req.pk)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


class CertificateViewSet(PortalReadOnlyViewSet):
    queryset = Certificate.objects.all()
    serializer_class = CertificateSerializer
    api_scope = "talent"
    throttle_scope = "certificate_verification"  # used by the public verify action's throttle

    def get_queryset(self):
        return selectors.certificate_list(user=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("code", str, required=True),
            OpenApiParameter(
                "id_number", str, required=False, description="Confirms a match, never revealed."
            ),
        ],
        responses=CertificateVerificationSerializer,
    )
    @action(
        detail=False,
        methods=["get", "post"],
        permission_classes=[AllowAny],
        throttle_classes=[ScopeThrottle],
        pagination_class=None,
    )
    def verify(self, request):
        """Public: a code's validity, the holder's masked name, the credential and the date. Send the
        holder's ID number by POST (kept out of URLs and logs) to learn whether it matches."""
        params = request.data if request.method == "POST" else request.query_params
        answer = services.certificate_verify(
            code=params.get("code", ""), id_number=params.get("id_number", "")
        )
        if answer is None:
            body = error_body("unknown_code", _("No certificate has this code."))
            body.update({"status": "unknown", "valid": False})
            return Response(body, status=status.HTTP_404_NOT_FOUND)
        return Response(CertificateVerificationSerializer(answer).data)


class AppointmentViewSet(PortalViewSet):
    queryset = Appointment.objects.all()
    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilterSet
    api_scope = "talent"

    def get_queryset(self):
        return selectors.appointment_list(user=self.request.user)

    @extend_schema(request=AppointmentCreateSerializer, responses=AppointmentSerializer)
    def create(self, request, *args, **kwargs):
        data = AppointmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = services.appointment_create(actor=request.user, **data.validated_data)
        obj = self.get_queryset().get(pk=appointment.pk)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


class RegistryEntryViewSet(PortalReadOnlyViewSet):
    """The user's own region's registry (look-up by certificate number or holder)."""

    queryset = RegistryEntry.objects.all()
    serializer_class = RegistryEntrySerializer
    filterset_class = RegistryEntryFilterSet
    api_scope = "talent"

    def get_queryset(self):
        return selectors.registry_entry_list(user=self.request.user)


class RegistryImportViewSet(PortalReadOnlyViewSet):
    queryset = RegistryImport.objects.all()
    serializer_class = RegistryImportSerializer
    api_scope = "talent"

    def get_queryset(self):
        return selectors.registry_import_list(user=self.request.user)
