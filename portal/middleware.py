"""Request context (for audit and logs), session limits, security headers, and a clear 503 when the
database is briefly unavailable."""

from __future__ import annotations

import logging
import sys
import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .context import RequestContext, bind

__all__ = [
    "RequestContextMiddleware",
    "SessionTimeoutMiddleware",
    "SecurityHeadersMiddleware",
    "DatabaseUnavailableMiddleware",
    "PublicPageThrottleMiddleware",
    "client_ip",
]

log = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The client's address. With ``TRUSTED_PROXY_COUNT`` proxies in front (production: 1), each of which
    appends the address it saw to X-Forwarded-For (nginx's ``$proxy_add_x_forwarded_for``), the hop that
    many from the right, the one our outermost proxy saw; the hops left of it are what the client sent, and
    taking one of them would let a client name any address it likes to the audit trail and the rate
    limits. Without proxies, or when the header has fewer hops than proxies (a request that did not come
    through them), the connection's address."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if proxies else ""
    hops = [hop.strip() for hop in forwarded.split(",")] if forwarded.strip() else []
    if proxies and len(hops) >= proxies and hops[-proxies]:
        return hops[-proxies]
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
    """Idle timeout: the session expires SESSION_COOKIE_AGE after it was last saved, and an active
    session is saved again (expiry pushed back) once SESSION_REFRESH_SECONDS have passed since the last
    save, not on every request: a write transaction per API call was a large share of a list's cost
    (bench, issue 10). So a session idle for SESSION_COOKIE_AGE always ends, at most
    SESSION_REFRESH_SECONDS early. This also enforces the absolute limit on a session's age."""

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
            if now - request.session.get("portal_seen_at", 0) >= settings.SESSION_REFRESH_SECONDS:
                request.session["portal_seen_at"] = now  # modified: saved, with a new expiry
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


def _is_database_unavailable(exception: BaseException) -> bool:
    return isinstance(exception, OperationalError | InterfaceError) or (
        isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
    )


def _drop_broken_connections() -> None:
    """Close the connections that no longer answer, so the next query (this process's next request)
    opens a fresh one: recovery needs no restart, whatever the server does between requests."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        try:
            broken = conn.connection is not None and not conn.is_usable()
        except Exception:
            broken = True
        if broken and not conn.in_atomic_block:
            try:
                conn.close()
            except Exception:
                conn.connection = None


@receiver(got_request_exception)
def _remember_database_error(sender, request=None, **kwargs):
    # An exception raised inside a middleware (e.g. loading the session) never reaches process_exception:
    # Django turns it into a 500 on the spot. Keep it so DatabaseUnavailableMiddleware can answer 503.
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and _is_database_unavailable(exc):
        request._portal_database_error = exc


class DatabaseUnavailableMiddleware:
    """When PostgreSQL cannot be reached, answer 503 with a clear message instead of a 500 (whether the
    error came from a view or from a middleware), and drop the broken connection so the next request
    reconnects by itself. Installed near the top of MIDDLEWARE so it sees the other middlewares' errors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        exc = getattr(request, "_portal_database_error", None)
        if exc is not None and response.status_code >= 500:
            return self.unavailable(request, exc)
        return response

    def process_exception(self, request, exception):
        if not _is_database_unavailable(exception):
            return None
        return self.unavailable(request, exception)

    @staticmethod
    def unavailable(request, exception):
        log.error("database unavailable: %s", exception)
        _drop_broken_connections()
        message = _("The database is briefly unavailable. Please try again in a moment.")
        if request.path.startswith("/api/") or request.path == "/healthz":
            response = JsonResponse(
                {"error": {"code": "service_unavailable", "message": message}}, status=503
            )
        else:
            response = render_to_string("503.html", {"message": message})
            response = HttpResponse(response, status=503)
        response["Retry-After"] = "5"
        return response


class PublicPageThrottleMiddleware:
    """The public pages anyone may open without signing in (``settings.PUBLIC_PAGE_THROTTLES``: URL name →
    the API's throttle scope) count in their API's scope (portal.throttling: one count per client for
    page and API): over the rate, 429 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from .throttling import take

        match = getattr(request, "resolver_match", None)
        scope = getattr(settings, "PUBLIC_PAGE_THROTTLES", {}).get(match.view_name if match else "")
        wait = take(scope, request) if scope else None
        if wait is None:
            return None
        response = TemplateResponse(
            request,
            "429.html",
            {"message": _("Too many requests. Please wait a moment and try again.")},
            status=429,
        )
        response.render()
        response["Retry-After"] = str(wait)
        return response
