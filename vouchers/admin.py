"""Django admin for this app's records (the ledger is read-only: PostgreSQL refuses changes anyway)."""

from django.contrib import admin

from portal.admin import PlatformAdminOnly

from .models import Application, Claim, LedgerEntry, Programme, Provider, Service, SettlementBatch, Voucher


@admin.register(Programme)
class ProgrammeAdmin(PlatformAdminOnly):
    list_display = ["name", "region", "year", "total_budget", "issued_total", "open"]
    list_filter = ["region", "year", "open"]
    # the budget moves only through the services, which write the ledger
    readonly_fields = ["total_budget", "issued_total", "open", "closed_at", "close_reason"]


@admin.register(Provider)
class ProviderAdmin(PlatformAdminOnly):
    list_display = ["organization", "province", "state"]
    list_filter = ["province", "state"]
    raw_id_fields = ["organization"]


@admin.register(Service)
class ServiceAdmin(PlatformAdminOnly):
    list_display = ["name", "model_number", "provider", "category", "unit_price", "unit", "active"]
    list_filter = ["category", "active"]


@admin.register(Application)
class ApplicationAdmin(PlatformAdminOnly):
    list_display = ["id", "programme", "applicant", "amount", "state"]
    list_filter = ["state"]
    readonly_fields = ["state"]


@admin.register(Voucher)
class VoucherAdmin(PlatformAdminOnly):
    list_display = [
        "code",
        "programme",
        "holder",
        "amount",
        "reserved",
        "redeemed",
        "returned",
        "state",
        "expires_on",
    ]
    list_filter = ["state"]
    readonly_fields = ["amount", "reserved", "redeemed", "returned", "state"]


@admin.register(Claim)
class ClaimAdmin(PlatformAdminOnly):
    list_display = ["id", "voucher", "provider", "service", "amount", "state"]
    list_filter = ["state", "issuing_region", "provider_region"]
    readonly_fields = ["amount", "state", "batch"]


@admin.register(SettlementBatch)
class SettlementBatchAdmin(PlatformAdminOnly):
    list_display = ["id", "issuing_region", "provider", "total", "state", "paid_at"]
    list_filter = ["state", "issuing_region"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(PlatformAdminOnly):
    list_display = ["id", "at", "kind", "programme", "voucher", "claim", "amount"]
    list_filter = ["kind"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
