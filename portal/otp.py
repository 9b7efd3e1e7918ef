"""Two-factor sign-in (TOTP, django-otp) for the platform's administrators, auditors and coordinators,
and the forced password change of officials whose password is older than the configured age.

After the password, a user holding one of ``OTP_ROLES`` is sent to set up an authenticator (QR code)
or to enter its six-digit code; until then every page answers with that redirect and the API (session
authentication) with 403 ``otp_required``. OAuth2 partner tokens are not sessions and are unaffected.
``settings.OTP_REQUIRED`` switches the rule on (production, development); the test settings turn it
off for the domain apps' suites and ``tests/security`` turns it on again."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .forms import BootstrapFormMixin
from .models import Role

__all__ = [
    "OTP_ROLES",
    "requires_otp",
    "password_expired",
    "OTPRequiredMiddleware",
    "PasswordExpiryMiddleware",
    "otp_setup",
    "otp_verify",
    "PasswordChangeView",
    "device_for",
]

OTP_ROLES = (Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR, Role.REGION_COORDINATOR)

# Paths a user who still owes the second factor or a new password may open.
_EXEMPT_PREFIXES = ("/static/", "/i18n/", "/healthz", "/accounts/logout/", "/accounts/otp/")


def requires_otp(user) -> bool:
    if not getattr(settings, "OTP_REQUIRED", True) or user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.has_role(*OTP_ROLES))


def password_expired(user) -> bool:
    days = int(getattr(settings, "PASSWORD_MAX_AGE_DAYS_OFFICIALS", 0) or 0)
    if days <= 0 or user is None or not user.is_authenticated or not user.is_official:
        return False
    changed = user.password_changed_at or user.date_joined
    return changed is None or timezone.now() - changed > timedelta(days=days)


def device_for(user, *, confirmed: bool | None = True) -> TOTPDevice | None:
    qs = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        qs = qs.filter(confirmed=confirmed)
    return qs.order_by("id").first()


def _refuse(request, code: str, message: str, page: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": code, "message": message}}, status=403)
    return redirect(f"{reverse(page)}?next={request.get_full_path()}")


class OTPRequiredMiddleware:
    """Pages and session-authenticated API calls wait for the second factor (after django-otp's middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and requires_otp(user)
            and not user.is_verified()
        ):
            page = "portal:otp_verify" if device_for(user) else "portal:otp_setup"
            return _refuse(request, "otp_required", _("Two-factor authentication is required."), page)
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """An official whose password is older than PASSWORD_MAX_AGE_DAYS_OFFICIALS must change it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and not request.path.startswith("/accounts/password/")
            and password_expired(user)
        ):
            return _refuse(
                request,
                "password_expired",
                _("Your password has expired: please change it."),
                "portal:password_change",
            )
        return self.get_response(request)


class TokenForm(BootstrapFormMixin, forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Six-digit code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _qr_data_uri(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def otp_setup(request):
    """A new authenticator: the QR code (and the key in base32), confirmed by one correct code."""
    if device_for(request.user):
        return redirect(f"{reverse('portal:otp_verify')}?next={_next_url(request)}")
    device = device_for(request.user, confirmed=False) or TOTPDevice.objects.create(
        user=request.user, name="authenticator", confirmed=False
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record(
                audit.AuditAction.UPDATE, request.user, actor=request.user, message="TOTP device confirmed"
            )
            messages.success(request, _("Two-factor authentication is set up."))
            return redirect(_next_url(request))
        form.add_error("token", _("This code is not valid. Check the time on your device and try again."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "portal/otp_setup.html",
        {"form": form, "qr": _qr_data_uri(device.config_url), "secret": secret, "next": _next_url(request)},
    )


@login_required
def otp_verify(request):
    device = device_for(request.user)
    if device is None:
        return redirect(f"{reverse('portal:otp_setup')}?next={_next_url(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"].strip()):
            otp_login(request, device)
            return redirect(_next_url(request))
        audit.record(
            audit.AuditAction.LOGIN_FAILED, request.user, actor=request.user, message="TOTP code refused"
        )
        form.add_error("token", _("This code is not valid."))
    return render(request, "portal/otp_verify.html", {"form": form, "next": _next_url(request)})


class PasswordChangeForm(BootstrapFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(
            audit.AuditAction.UPDATE, self.request.user, actor=self.request.user, message="password changed"
        )
        messages.success(self.request, _("Your password has been changed."))
        return response
