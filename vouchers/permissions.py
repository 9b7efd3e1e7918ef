"""Row-level policies (portal.permissions.Policy) for this app's records.

Officials act for their province: the issuing region's officials see its programmes' applications,
vouchers, claims and batches; the provider region's officials see claims served in their region and
approve their own providers. Enterprises see their own applications, vouchers and claims; providers
their catalogue, claims and payments. Programmes and approved providers' catalogues are public.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from portal.models import Role
from portal.permissions import ALLOW, Policy, deny, is_platform_admin, official_province_id, register

from .models import (
    Application,
    Claim,
    LedgerEntry,
    Programme,
    Provider,
    ProviderState,
    Service,
    SettlementBatch,
    Voucher,
)

__all__ = [
    "ProgrammePolicy",
    "ProviderPolicy",
    "ServicePolicy",
    "ApplicationPolicy",
    "VoucherPolicy",
    "ClaimPolicy",
    "SettlementBatchPolicy",
    "LedgerEntryPolicy",
    "is_enterprise",
    "is_provider_member",
]


def is_enterprise(user) -> bool:
    return bool(user.is_authenticated and user.organization_id and user.has_role(Role.ENTERPRISE_MEMBER))


def is_provider_member(user) -> bool:
    return bool(user.is_authenticated and user.organization_id and user.has_role(Role.PROVIDER_MEMBER))


@register
class ProgrammePolicy(Policy):
    model = Programme

    def scope(self, user, queryset, action="view"):
        if action == "view" or is_platform_admin(user):
            return queryset
        province = official_province_id(user)
        return queryset.filter(region_id=province) if province else queryset.none()

    def can(self, user, action, obj):
        if action == "view":
            return ALLOW
        if action == "apply":
            return (
                ALLOW if is_enterprise(user) else deny(_("Only enterprise members may apply for vouchers."))
            )
        if action in ("change", "close"):
            # the issuing agency's own officials, not every agency of the region
            if official_province_id(user) and user.organization_id == obj.agency_id:
                return ALLOW
            return deny(_("Only officials of the issuing agency may change this programme."))
        if is_platform_admin(user) or official_province_id(user) == obj.region_id:
            return ALLOW
        return deny(_("Only officials of the issuing region may manage this programme."))


@register
class ProviderPolicy(Policy):
    model = Provider

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user):
            return queryset
        province = official_province_id(user)
        own = Q(organization_id=user.organization_id) if user.organization_id else Q(pk__in=[])
        if action == "view":
            cond = Q(state=ProviderState.APPROVED) | own
            if province:
                cond |= Q(province_id=province)
            return queryset.filter(cond)
        if province:
            return queryset.filter(province_id=province)
        return queryset.filter(own)

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        if action == "change_catalogue":
            if is_provider_member(user) and user.organization_id == obj.organization_id:
                return ALLOW
            return deny(_("Only the provider's members may change its catalogue."))
        if is_platform_admin(user) or official_province_id(user) == obj.province_id:
            return ALLOW
        return deny(_("Only officials of the provider's own region may approve it."))


@register
class ServicePolicy(Policy):
    model = Service

    def scope(self, user, queryset, action="view"):
        providers = ProviderPolicy().scope(user, Provider.objects.all(), action)
        return queryset.filter(provider__in=providers)

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        return ProviderPolicy().can(user, "change_catalogue", obj.provider)


@register
class ApplicationPolicy(Policy):
    model = Application

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user):
            return queryset
        province = official_province_id(user)
        if province:
            return queryset.filter(programme__region_id=province)
        if is_enterprise(user):
            return queryset.filter(applicant_id=user.organization_id)
        return queryset.none()


@register
class VoucherPolicy(Policy):
    model = Voucher

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user):
            return queryset
        province = official_province_id(user)
        if province:
            return queryset.filter(programme__region_id=province)
        if is_enterprise(user):
            return queryset.filter(holder_id=user.organization_id)
        return queryset.none()


@register
class ClaimPolicy(Policy):
    model = Claim

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user):
            return queryset
        province = official_province_id(user)
        if province:
            if action == "view":
                return queryset.filter(Q(issuing_region_id=province) | Q(provider_region_id=province))
            return queryset.filter(issuing_region_id=province)
        cond = Q(pk__in=[])
        if is_enterprise(user):
            cond |= Q(voucher__holder_id=user.organization_id)
        if is_provider_member(user):
            cond |= Q(provider__organization_id=user.organization_id)
        return queryset.filter(cond)


@register
class SettlementBatchPolicy(Policy):
    model = SettlementBatch

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user):
            return queryset
        province = official_province_id(user)
        if province:
            return queryset.filter(issuing_region_id=province)
        if is_provider_member(user):
            return queryset.filter(provider__organization_id=user.organization_id)
        return queryset.none()


@register
class LedgerEntryPolicy(Policy):
    model = LedgerEntry

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user) or user.has_role(Role.AUDITOR):
            return queryset
        province = official_province_id(user)
        if province:
            return queryset.filter(programme__region_id=province)
        return queryset.none()
