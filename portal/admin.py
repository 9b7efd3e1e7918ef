"""Django admin. The system administrator manages users and records; only the audit administrator
sees the audit log, read-only (the database refuses changes anyway)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
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

admin.site.site_header = _("京津冀协同创新共同体 · administration")


class PlatformAdminOnly(admin.ModelAdmin):
    """The system administrator's models: invisible to the audit and security administrators."""

    def has_module_permission(self, request):
        return (
            request.user.is_active and request.user.has_role(Role.PLATFORM_ADMIN) or request.user.is_superuser
        )

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: self.has_module_permission(request)
    )


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
