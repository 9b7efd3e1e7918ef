"""One error format for the whole API::

{"error": {"code": "invalid", "message": "...", "fields": {"uscc": ["..."]}}}
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.exceptions import TransitionNotAllowed

__all__ = ["exception_handler", "error_body"]


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {
            k: [str(m) for m in (v if isinstance(v, list) else [v])]
            if not isinstance(v, dict)
            else _flatten(v)
            for k, v in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc, context):
    from portal.audit import ensure_denial_recorded

    ensure_denial_recorded(exc)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        fields = {("non_field_errors" if k == "__all__" else k): v for k, v in fields.items()}
        return Response(error_body("invalid", _("Some fields are not valid."), fields), status=400)
    if isinstance(exc, TransitionNotAllowed):
        return Response(error_body(exc.code, exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, IntegrityError):
        return Response(error_body("conflict", _("This conflicts with an existing record.")), status=409)
    if isinstance(exc, OperationalError):
        resp = Response(
            error_body(
                "service_unavailable", _("The database is briefly unavailable. Please try again in a moment.")
            ),
            status=503,
        )
        resp["Retry-After"] = "5"
        return resp
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", _("Some fields are not valid."), _flatten(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(code if isinstance(code, str) else "error", str(detail))
    return response
