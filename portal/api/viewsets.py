"""The base every API viewset stands on: querysets restricted to what the user may see, one error
format, Idempotency-Key on POST, and a generic endpoint for workflow transitions."""

from __future__ import annotations

import hashlib
import inspect

from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from portal.models import IdempotencyRecord
from portal.permissions import visible

__all__ = [
    "IdempotencyMixin",
    "PortalViewSetMixin",
    "PortalReadOnlyViewSet",
    "PortalViewSet",
    "TransitionSerializer",
    "TransitionMixin",
    "IDEMPOTENCY_PARAMETER",
]

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A retried POST with the same key returns the first answer instead of acting twice.",
)


class IdempotencyConflict(APIException):
    status_code = 409
    default_code = "idempotency_conflict"
    default_detail = _("A request with this Idempotency-Key is still being processed.")


class IdempotencyMismatch(APIException):
    status_code = 422
    default_code = "idempotency_mismatch"
    default_detail = _("This Idempotency-Key was already used for a different request.")


class _Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


def request_digest(request) -> str:
    """SHA-256 of the path and body. When the body was already consumed (a multipart upload read by the
    CSRF check or the OAuth2 authentication) or is too large to hold, of the parsed fields and files."""
    try:
        body = request.body
    except (RawPostDataException, RequestDataTooBig):
        digest = hashlib.sha256(request.get_full_path().encode() + b"\n")
        data = request.data
        for key in sorted(data.keys()):
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            for value in values:
                digest.update(key.encode() + b"=")
                if isinstance(value, UploadedFile):
                    digest.update(f"file:{value.name}:{value.size}:".encode())
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(str(value).encode())
                digest.update(b"\n")
        return digest.hexdigest()
    return hashlib.sha256(request.get_full_path().encode() + b"\n" + body).hexdigest()


class IdempotencyMixin:
    """A POST with ``Idempotency-Key`` is done once per user and key; a retry gets the stored answer."""

    _idempotency_record: IdempotencyRecord | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get("Idempotency-Key", "").strip()
        if request.method != "POST" or not key or not request.user.is_authenticated:
            return
        if len(key) > 255:
            raise IdempotencyMismatch(_("Idempotency-Key is longer than 255 characters."))
        digest = request_digest(request)
        try:
            with transaction.atomic():
                self._idempotency_record = IdempotencyRecord.objects.create(
                    key=key, user=request.user, method=request.method, path=request.path, request_hash=digest
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(user=request.user, key=key)
            if record.request_hash != digest:
                raise IdempotencyMismatch() from None
            if record.status_code is None:
                raise IdempotencyConflict() from None
            raise _Replay(record) from None

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            rec = exc.record
            response = HttpResponse(
                bytes(rec.response_body or b""), status=rec.status_code, content_type=rec.content_type
            )
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = self._idempotency_record
        if record is not None:
            self._idempotency_record = None
            if response.status_code >= 500:
                record.delete()
            else:
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()
                record.status_code = response.status_code
                record.response_body = response.content
                record.content_type = response.get("Content-Type", "application/json")
                record.save(update_fields=["status_code", "response_body", "content_type"])
        return response


class PortalViewSetMixin(IdempotencyMixin):
    """Subclasses set ``queryset`` (from a selector, with its prefetches), ``serializer_class`` and
    ``filterset_class``; the queryset is always narrowed to what the user may see."""

    api_scope: str | None = None

    def get_authenticators(self):
        # client-credentials tokens act as their application's partner-system account
        from oauth2_provider.contrib.rest_framework import OAuth2Authentication

        from .authentication import PortalOAuth2Authentication

        return [
            PortalOAuth2Authentication() if type(a) is OAuth2Authentication else a
            for a in super().get_authenticators()
        ]

    def get_queryset(self):
        return visible(self.request.user, super().get_queryset(), "view")


class PortalReadOnlyViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class PortalViewSet(PortalViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """List, retrieve and create (create goes through ``perform_create`` → a service)."""


class TransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class TransitionMixin:
    """``POST /<records>/{id}/transition/{name}/`` runs ``transition_services[name]`` with the body's fields.

    Each service has the signature ``service(obj, *, actor, **inputs)`` and checks everything itself.
    The body is validated by ``transition_input_serializer`` (a 400 names the field); with
    ``transition_extra_inputs`` other fields the service's signature names are passed on too, files
    included, and fields it does not take are ignored (never a 500).
    """

    transition_services: dict = {}
    transition_input_serializer = TransitionSerializer
    transition_extra_inputs = True

    def transition_inputs(self, request, service) -> dict:
        data = request.data if hasattr(request.data, "items") else {}
        ser = self.transition_input_serializer(data=data)
        ser.is_valid(raise_exception=True)
        inputs = {k: v for k, v in ser.validated_data.items() if v is not None}
        if not self.transition_extra_inputs:
            return inputs
        params = list(inspect.signature(service).parameters.values())
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params)
        named = {p.name for p in params[1:] if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
        reserved = {"actor", "self", params[0].name if params else ""}
        for key in data:
            if key in inputs or key in ser.fields or key in reserved or not (takes_any or key in named):
                continue
            value = data.get(key)
            if isinstance(value, dict | list):
                raise serializers.ValidationError({key: [_("Give a single value.")]})
            inputs[key] = value
        return inputs

    @extend_schema(request=TransitionSerializer, parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=True, methods=["post"], url_path=r"transition/(?P<transition>[a-z_]+)")
    def transition(self, request, pk=None, transition=None):
        obj = self.get_object()
        service = self.transition_services.get(transition)
        if service is None:
            return Response(
                {"error": {"code": "unknown_transition", "message": _("Unknown action.")}},
                status=status.HTTP_404_NOT_FOUND,
            )
        obj = service(obj, actor=request.user, **self.transition_inputs(request, service))
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data)
