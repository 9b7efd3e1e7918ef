"""Django admin for this app's records (system administrator only)."""

from django.contrib import admin

from portal.admin import PlatformAdminOnly

from .models import (
    AssistanceRequest,
    Case,
    Evidence,
    EvidenceAccess,
    JointOperation,
    JournalEntry,
    OperationTask,
    Referral,
)


@admin.register(Case)
class CaseAdmin(PlatformAdminOnly):
    list_display = ["number", "title", "ip_type", "agency", "source", "state", "created_at"]
    list_filter = ["ip_type", "state", "source", "province"]
    search_fields = ["number", "title", "right_holder_name", "infringer_name"]
    list_select_related = ["agency"]
    readonly_fields = ["number"]
    exclude = ["infringer_id_number_encrypted"]


@admin.register(Referral)
class ReferralAdmin(PlatformAdminOnly):
    list_display = ["number", "case", "from_agency", "to_agency", "state", "created_at"]
    list_filter = ["state", "from_province", "to_province"]
    search_fields = ["number", "received_case_number"]
    list_select_related = ["case", "from_agency", "to_agency"]


@admin.register(AssistanceRequest)
class AssistanceRequestAdmin(PlatformAdminOnly):
    list_display = ["number", "kind", "from_agency", "to_agency", "state", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["from_agency", "to_agency"]


class OperationTaskInline(admin.TabularInline):
    model = OperationTask
    extra = 0


@admin.register(JointOperation)
class JointOperationAdmin(PlatformAdminOnly):
    list_display = ["title", "lead_agency", "starts_on", "ends_on", "state"]
    list_filter = ["state"]
    inlines = [OperationTaskInline]


@admin.register(Evidence)
class EvidenceAdmin(PlatformAdminOnly):
    list_display = ["description", "case", "organization", "created_at"]
    list_select_related = ["case", "organization"]


@admin.register(EvidenceAccess)
class EvidenceAccessAdmin(PlatformAdminOnly):
    list_display = ["evidence", "user", "organization", "action", "at"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(PlatformAdminOnly):
    list_display = ["case", "kind", "organization", "author", "created_at"]
