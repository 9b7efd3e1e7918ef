"""django-filter FilterSets for this app's lists (pages and API)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.filters import RecordNumberFilter
from portal.models import PROVINCE_CODES

from .models import (
    Application,
    ApplicationState,
    BatchState,
    Claim,
    ClaimState,
    LedgerEntry,
    Programme,
    Provider,
    ProviderState,
    Service,
    ServiceCategory,
    SettlementBatch,
    Voucher,
    VoucherState,
)

PROVINCES = [("110000", _("Beijing")), ("120000", _("Tianjin")), ("130000", _("Hebei"))]
assert [c for c, _n in PROVINCES] == list(PROVINCE_CODES)


class ProgrammeFilterSet(django_filters.FilterSet):
    region = django_filters.ChoiceFilter(choices=PROVINCES, label=pgettext_lazy("voucher", "Issuing region"))
    year = django_filters.NumberFilter(label=_("Year"))
    open = django_filters.BooleanFilter(label=_("Open for applications"))

    class Meta:
        model = Programme
        fields = ["region", "year", "open"]


class ProviderFilterSet(django_filters.FilterSet):
    province = django_filters.ChoiceFilter(choices=PROVINCES, label=_("Region"))
    state = django_filters.ChoiceFilter(choices=ProviderState.choices, label=_("State"))
    category = django_filters.ChoiceFilter(
        choices=ServiceCategory.choices, method="offering", label=_("Offers the category")
    )
    q = django_filters.CharFilter(method="search", label=pgettext_lazy("voucher", "Name"))

    class Meta:
        model = Provider
        fields = ["province", "state"]

    def search(self, queryset, name, value):
        return queryset.filter(organization__name__icontains=value)

    def offering(self, queryset, name, value):
        # a subquery, so the list's service count is not changed by a join
        offered = Service.objects.filter(category=value, active=True).values("provider_id")
        return queryset.filter(pk__in=offered)


class ServiceFilterSet(django_filters.FilterSet):
    region = django_filters.ChoiceFilter(
        field_name="provider__province", choices=PROVINCES, label=_("Provider region")
    )
    category = django_filters.ChoiceFilter(choices=ServiceCategory.choices, label=_("Category"))
    provider = RecordNumberFilter(label=_("Provider"))
    min_price = django_filters.NumberFilter(
        field_name="unit_price", lookup_expr="gte", label=_("Unit price at least")
    )
    max_price = django_filters.NumberFilter(
        field_name="unit_price", lookup_expr="lte", label=_("Unit price at most")
    )
    q = django_filters.CharFilter(method="search", label=_("Service, instrument or provider"))

    class Meta:
        model = Service
        fields = ["region", "category", "provider", "active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(model_number__icontains=value)
            | Q(provider__organization__name__icontains=value)
        )


class ApplicationFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ApplicationState.choices, label=_("State"))
    programme = RecordNumberFilter(label=pgettext_lazy("voucher", "Programme"))
    year = django_filters.NumberFilter(field_name="programme__year", label=_("Year"))

    class Meta:
        model = Application
        fields = ["state", "programme", "year"]


class VoucherFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=VoucherState.choices, label=_("State"))
    programme = RecordNumberFilter(label=pgettext_lazy("voucher", "Programme"))
    code = django_filters.CharFilter(lookup_expr="icontains", label=_("Code"))

    class Meta:
        model = Voucher
        fields = ["state", "programme", "code"]


class ClaimFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ClaimState.choices, label=_("State"))
    issuing_region = django_filters.ChoiceFilter(
        choices=PROVINCES, label=pgettext_lazy("voucher", "Issuing region")
    )
    provider_region = django_filters.ChoiceFilter(choices=PROVINCES, label=_("Provider region"))
    provider = RecordNumberFilter(label=_("Provider"))
    voucher = RecordNumberFilter(label=_("Voucher"))
    unsettled = django_filters.BooleanFilter(
        field_name="batch", lookup_expr="isnull", label=_("Not yet in a batch")
    )

    class Meta:
        model = Claim
        fields = ["state", "issuing_region", "provider_region", "provider", "voucher"]


class BatchFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=BatchState.choices, label=_("State"))
    provider = RecordNumberFilter(label=_("Provider"))

    class Meta:
        model = SettlementBatch
        fields = ["state", "provider"]


class LedgerEntryFilterSet(django_filters.FilterSet):
    programme = RecordNumberFilter(label=pgettext_lazy("voucher", "Programme"))
    voucher = RecordNumberFilter(label=_("Voucher"))
    claim = RecordNumberFilter(label=_("Claim"))

    class Meta:
        model = LedgerEntry
        fields = ["programme", "voucher", "claim", "kind"]
