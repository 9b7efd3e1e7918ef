"""API access: signed-in users by session, partner systems by OAuth2 with per-app read/write scopes.
Row-level rules are not here: viewsets scope querysets with ``portal.permissions.visible`` and
services call ``require``/workflow checks."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

__all__ = ["PortalAPIPermission", "PublicReadPermission"]


def _token_scopes(request) -> set[str] | None:
    token = getattr(request, "auth", None)
    if token is None or not hasattr(token, "scope"):
        return None  # session authentication: no scopes involved
    return set((token.scope or "").split())


def _scope_ok(request, view) -> bool:
    scopes = _token_scopes(request)
    if scopes is None:
        return True
    app = getattr(view, "api_scope", None) or view.__module__.split(".")[0]
    need = "read" if request.method in SAFE_METHODS else "write"
    return bool({need, f"{app}:{need}"} & scopes)


class PortalAPIPermission(BasePermission):
    """Authenticated, and for OAuth2 tokens the app's read or write scope."""

    message = "Authentication with the right scope is required."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and _scope_ok(request, view))


class PublicReadPermission(PortalAPIPermission):
    """Anyone may read (the viewset's scope decides what anonymous users see); writing needs sign-in."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS and not (request.user and request.user.is_authenticated):
            return True
        return super().has_permission(request, view)
