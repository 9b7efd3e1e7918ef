"""Running a service from a page: one place that turns a service's refusal into what the user sees.

The services raise ``ValidationError`` (bad input, 400), ``PermissionDenied`` (403) and
``TransitionNotAllowed`` (wrong state, 409). A page must never let those become a 500: it shows them
on the form that was posted (by field) or as ``django.contrib.messages`` errors, and tells the caller
the service refused, with the HTTP status that refusal stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from . import audit
from .exceptions import PermissionDenied, TransitionNotAllowed, ValidationError

__all__ = [
    "Refused",
    "INVALID",
    "FORBIDDEN",
    "CONFLICT",
    "error_messages",
    "apply_errors",
    "show_errors",
    "refusal_message",
    "run_service",
    "form_status",
    "posted_step",
]

T = TypeVar("T")
_NO_DEFAULT: Any = object()

#: the POST keys a page's buttons name their workflow step by (first one present wins)
STEP_KEYS = ("transition", "do")


@dataclass(frozen=True)
class Refused:
    """What :func:`run_service` returns when the service refused: falsy, so ``if result:`` reads as
    "it worked", and carrying the status the page answers with (400 input, 403 permission, 409 state)."""

    status: int

    def __bool__(self) -> bool:
        return False


INVALID = Refused(400)
FORBIDDEN = Refused(403)
CONFLICT = Refused(409)


def error_messages(exc: ValidationError) -> dict[str, list[str]]:
    """The messages of a ValidationError by field name (``"__all__"`` for the others): a service may
    raise it with a dict (naming fields) or with plain messages."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": list(exc.messages)}


def apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has that field,
    else as a non-field error (so nothing the service said is lost)."""
    for field, errors in error_messages(exc).items():
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error)


def show_errors(request: HttpRequest, exc: ValidationError) -> None:
    """Show a service's ValidationError as messages, one each, prefixed by the field it names."""
    for field, errors in error_messages(exc).items():
        for error in errors:
            messages.error(request, error if field in ("", "__all__") else f"{field}: {error}")


def refusal_message(exc: Exception) -> str:
    """The text of a refusal of state or permission (a bare PermissionDenied has none of its own)."""
    return str(getattr(exc, "message", "") or exc) or _("You may not do this.")


def run_service(
    request: HttpRequest,
    fn: Callable[[], T],
    *,
    success: str | Promise | None = None,
    form: forms.BaseForm | None = None,
    raise_denied: bool = False,
) -> T | bool | Refused:
    """Call ``fn()`` (a service call with its arguments bound) and show the outcome.

    On success: show ``success`` (if given) as a message and return the service's result, or ``True``
    when it returned nothing truthy, so the caller can write ``if result: redirect(...)``.
    On a refusal: show it and return a falsy :class:`Refused` whose ``status`` the page may answer
    with. A ValidationError goes on ``form`` when one is given (see :func:`apply_errors`), else into
    messages; TransitionNotAllowed and PermissionDenied always become a message. None of them
    escapes, so a refused step never turns into a 500.

    ``raise_denied=True`` lets PermissionDenied through instead, for a page that redirects after the
    step but must still answer a refusal of role with Django's 403 (as the API does).
    """
    try:
        result = fn()
    except ValidationError as exc:
        if form is not None:
            apply_errors(form, exc)
        else:
            show_errors(request, exc)
        return INVALID
    except TransitionNotAllowed as exc:
        messages.error(request, refusal_message(exc))
        return CONFLICT
    except PermissionDenied as exc:
        if raise_denied:
            raise
        # the service's transaction took the denial's audit entry with it: write it again, as the
        # middleware does for a PermissionDenied that reaches it
        audit.ensure_denial_recorded(exc)
        messages.error(request, refusal_message(exc))
        return FORBIDDEN
    if success:
        messages.success(request, success)
    return result or True


def form_status(form: forms.BaseForm, outcome: object = None) -> int:
    """The status of a page that shows a posted form again: the service's refusal when ``outcome`` is
    one (400 input, 403 role, 409 state), else 400 when the form has errors, else 200."""
    if isinstance(outcome, Refused):
        return outcome.status
    return 400 if form.is_bound and form.errors else 200


def posted_step(request: HttpRequest, steps: Mapping[str, T], *, default: T | None = _NO_DEFAULT) -> T | None:
    """The service of the workflow step the page posted (its ``transition`` or ``do`` value).

    A name the page does not offer is a 404 (a crafted request), unless ``default`` is given: then it
    is returned and the caller says so its own way."""
    for key in STEP_KEYS:
        name = request.POST.get(key)
        if name:
            break
    else:
        name = ""
    step = steps.get(name)
    if step is None:
        if default is _NO_DEFAULT:
            raise Http404
        return default
    return step
