"""Request context (for audit and logs), session limits, security headers, and a clear 503 when the
database is briefly unavailable."""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .context import RequestContext, bind

__all__ = [
    "RequestContextMiddleware",
    "SessionTimeoutMiddleware",
    "SecurityHeadersMiddleware",
    "DatabaseUnavailableMiddleware",
    "client_ip",
]

log = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    # Behind the production proxy the address comes from X-Forwarded-For's first hop, set by our proxy.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.META.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        ctx = RequestContext(request_id=rid, ip=client_ip(request))
        request.portal_context = ctx
        with bind(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response

    def process_exception(self, request, exception):
        # A refused action's audit entry was rolled back with the service's transaction: write it again.
        if getattr(exception, "portal_audit_entry", None) is not None:
            from .audit import ensure_denial_recorded

            ensure_denial_recorded(exception)
        return None


class SessionTimeoutMiddleware:
    """Idle timeout comes from SESSION_COOKIE_AGE (refreshed every request); this adds the absolute
    limit on a session's age."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ctx = getattr(request, "portal_context", None)
            if ctx is not None:
                ctx.user_id = user.pk
            started = request.session.get("portal_login_at")
            now = time.time()
            if started is None:
                request.session["portal_login_at"] = now
            elif now - started > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"error": {"code": "session_expired", "message": _("Session expired.")}}, status=401
                    )
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """CSP (no external origin at all: everything is served locally), Referrer-Policy, nosniff."""

    CSP = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.CSP)
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        return response


class DatabaseUnavailableMiddleware:
    """When PostgreSQL cannot be reached, answer 503 with a clear message instead of a 500; Django
    reconnects by itself on the next request (CONN_HEALTH_CHECKS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError) and not (
            isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
        ):
            return None
        log.error("database unavailable: %s", exception)
        message = _("The database is briefly unavailable. Please try again in a moment.")
        if request.path.startswith("/api/") or request.path == "/healthz":
            response = JsonResponse(
                {"error": {"code": "service_unavailable", "message": message}}, status=503
            )
        else:
            response = TemplateResponse(request, "503.html", {"message": message}, status=503)
            response.render()
        response["Retry-After"] = "5"
        return response
