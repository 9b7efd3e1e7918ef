"""Django admin, split between three administrators who cannot do one another's work (MLPS level 3):

- the system administrator (``Role.PLATFORM_ADMIN``) manages users, organizations and records;
- the security administrator (``Role.SECURITY_ADMIN``) manages sign-in lockouts (django-axes), sessions,
  two-factor devices and partner systems' OAuth2 applications and tokens, and nothing else;
- the audit administrator (``Role.AUDITOR``) reads the audit log, read-only (the database refuses
  changes anyway), and nothing else.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import (
    Attachment,
    AuditEntry,
    Deadline,
    DeadlineRule,
    Event,
    Holiday,
    Membership,
    Notification,
    Organization,
    Region,
    Role,
    StateChange,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from .reference import LISTABLE_MODELS

admin.site.site_header = _("京津冀协同创新共同体 · administration")


def by_number(model, raw_id_fields, autocomplete_fields) -> list[str]:
    """``raw_id_fields`` and every relation of ``model`` to a table that grows (outside
    ``portal.reference.LISTABLE_MODELS``): given by the row's number with a look-up, as a select
    would list the table whole on each change page."""
    growing = [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, models.ForeignKey | models.ManyToManyField)
        and f.related_model._meta.label not in LISTABLE_MODELS
        and f.name not in autocomplete_fields
    ]
    return list(dict.fromkeys([*raw_id_fields, *growing]))


class RoleOnlyAdmin(admin.ModelAdmin):
    """A model only the holders of ``admin_role`` see and manage in the admin."""

    admin_role: str = Role.PLATFORM_ADMIN

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self.raw_id_fields = by_number(model, self.raw_id_fields, self.autocomplete_fields)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:  # the rows of an inline, as the record's own fields
            inline.raw_id_fields = by_number(inline.model, inline.raw_id_fields, inline.autocomplete_fields)
        return inlines

    def has_module_permission(self, request):
        user = request.user
        return bool(user.is_active and (user.has_role(self.admin_role) or user.is_superuser))

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: self.has_module_permission(request)
    )


class PlatformAdminOnly(RoleOnlyAdmin):
    """The system administrator's models: invisible to the audit and security administrators."""

    admin_role = Role.PLATFORM_ADMIN


class SecurityAdminOnly(RoleOnlyAdmin):
    """The security administrator's models: invisible to the system and audit administrators."""

    admin_role = Role.SECURITY_ADMIN


@admin.register(Region)
class RegionAdmin(PlatformAdminOnly):
    list_display = ["code", "name", "kind", "province"]
    list_filter = ["kind", "province"]
    search_fields = ["code", "name"]


@admin.register(Organization)
class OrganizationAdmin(PlatformAdminOnly):
    list_display = ["name", "kind", "uscc", "region", "agency_domain", "verified"]
    list_filter = ["kind", "province", "agency_domain", "verified"]
    search_fields = ["name", "uscc"]
    list_select_related = ["region"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(PlatformAdminOnly, BaseUserAdmin):
    list_display = ["username", "display_name", "organization", "email", "is_active"]
    list_select_related = ["organization"]
    search_fields = ["username", "display_name", "email"]
    inlines = [MembershipInline]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Portal"), {"fields": ("organization", "display_name", "phone")}),
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "object_repr", "ip", "request_id"]
    list_filter = ["action"]
    search_fields = ["actor_name", "object_repr", "message", "request_id"]
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.has_role(Role.AUDITOR)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (
    StateChange,
    Event,
    Notification,
    Deadline,
    DeadlineRule,
    Holiday,
    Attachment,
    WebhookSubscription,
    WebhookDelivery,
):
    admin.site.register(model, PlatformAdminOnly)


# --------------------------------------------------------------------------- the security administrator's


def _reregister(model, admin_class):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


def _security_admin_site() -> None:
    from axes import admin as axes_admin
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django.contrib.sessions.models import Session
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from oauth2_provider import models as oauth_models

    class AccessAttemptAdmin(SecurityAdminOnly, axes_admin.AccessAttemptAdmin):
        """Lockouts: the security administrator unlocks an account by deleting its attempts."""

        def has_add_permission(self, request):
            return False

        def has_change_permission(self, request, obj=None):
            return False

    class AccessLogAdmin(SecurityAdminOnly, axes_admin.AccessLogAdmin):
        def has_add_permission(self, request):
            return False

        def has_change_permission(self, request, obj=None):
            return False

    class AccessFailureLogAdmin(SecurityAdminOnly, axes_admin.AccessFailureLogAdmin):
        def has_add_permission(self, request):
            return False

        def has_change_permission(self, request, obj=None):
            return False

    class SessionAdmin(SecurityAdminOnly):
        """Signed-in sessions: deleting one signs its user out (contents are not shown)."""

        list_display = ["session_key", "expire_date"]
        fields = ["session_key", "expire_date"]
        readonly_fields = ["session_key", "expire_date"]

        def has_add_permission(self, request):
            return False

        def has_change_permission(self, request, obj=None):
            return False

    class TOTPDeviceAdmin(SecurityAdminOnly):
        """Two-factor devices: the security administrator resets a lost authenticator by deleting it (the
        key itself is never shown)."""

        list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
        list_filter = ["confirmed"]
        search_fields = ["user__username", "name"]
        fields = ["user", "name", "confirmed"]
        raw_id_fields = ["user"]

        def has_add_permission(self, request):
            return False

    _reregister(AccessAttempt, AccessAttemptAdmin)
    _reregister(AccessLog, AccessLogAdmin)
    _reregister(AccessFailureLog, AccessFailureLogAdmin)
    _reregister(Session, SessionAdmin)
    _reregister(TOTPDevice, TOTPDeviceAdmin)
    for model in (
        oauth_models.get_application_model(),
        oauth_models.get_access_token_model(),
        oauth_models.get_refresh_token_model(),
        oauth_models.get_grant_model(),
        oauth_models.get_id_token_model(),
    ):
        _reregister(model, type(f"{model.__name__}Admin", (SecurityAdminOnly,), {}))
    _reregister(Group, PlatformAdminOnly)


def _system_admin_site() -> None:
    from django_celery_beat import admin as beat_admin
    from django_celery_beat import models as beat_models

    class PeriodicTaskAdmin(PlatformAdminOnly, beat_admin.PeriodicTaskAdmin):
        pass

    _reregister(beat_models.PeriodicTask, PeriodicTaskAdmin)
    for model in (
        beat_models.ClockedSchedule,
        beat_models.CrontabSchedule,
        beat_models.SolarSchedule,
        beat_models.IntervalSchedule,
    ):
        _reregister(model, PlatformAdminOnly)


# The third-party apps' admin modules were imported before this one (INSTALLED_APPS order).
_security_admin_site()
_system_admin_site()
