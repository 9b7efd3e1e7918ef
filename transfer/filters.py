"""django-filter FilterSets for this app's lists (pages and API)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from portal import search
from portal.filters import NamedChoiceFilter
from portal.models import Region

from .models import (
    Base,
    BaseKind,
    Deal,
    Listing,
    ListingKind,
    ListingState,
    MatchPair,
    PairState,
    TechField,
    TransferMode,
)
from .selectors import listing_search

__all__ = [
    "ListingFilterSet",
    "ListingCursorFilterSet",
    "DealFilterSet",
    "BaseFilterSet",
    "MatchPairFilterSet",
    "YearFilter",
]


class YearFilter(django_filters.NumberFilter):
    """A calendar year from 1949 to 2100 (anything else is a 400 naming the filter, not a crash)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1949)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


class _Bootstrap(django_filters.FilterSet):
    """Bootstrap classes on the filter form's widgets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm"
                if hasattr(field.widget, "choices")
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)


def _regions(request=None):
    return Region.objects.all()


# A filter form lists every base by name: read only that, not the descriptions, the fields arrays and
# the timestamps of all 200 (7.5 → 1.6 ms on every listings page, bench issue 10).
_BASES = Base.objects.only("id", "name")


class ListingFilterSet(_Bootstrap):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ListingKind.choices)
    field = django_filters.ChoiceFilter(label=_("Field"), choices=TechField.choices)
    region = NamedChoiceFilter(label=_("Region"), queryset=_regions, method="filter_region")
    trl_min = django_filters.NumberFilter(label=_("TRL from"), field_name="trl", lookup_expr="gte")
    trl_max = django_filters.NumberFilter(label=_("TRL to"), field_name="trl", lookup_expr="lte")
    mode = django_filters.ChoiceFilter(
        label=_("Transfer mode"), field_name="transfer_mode", choices=TransferMode.choices
    )
    price_min = django_filters.NumberFilter(
        label=_("Price from (yuan)"), field_name="price", lookup_expr="gte"
    )
    price_max = django_filters.NumberFilter(label=_("Price to (yuan)"), field_name="price", lookup_expr="lte")
    state = django_filters.ChoiceFilter(label=_("State"), choices=ListingState.choices)
    base = NamedChoiceFilter(label=_("Base or park"), queryset=_BASES)

    class Meta:
        model = Listing
        fields = [
            "q",
            "kind",
            "field",
            "region",
            "trl_min",
            "trl_max",
            "mode",
            "price_min",
            "price_max",
            "state",
            "base",
        ]

    def filter_region(self, queryset, name, value):
        # A province selects its own listings and those of its cities.
        if value is None:
            return queryset
        if value.code in ("110000", "120000", "130000"):
            return queryset.filter(province_id=value.code)
        return queryset.filter(region=value)

    def filter_q(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset, so the ranking sees every other filter

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        q = (self.form.cleaned_data.get("q") or "").strip()
        return listing_search(queryset, q) if q else queryset


class ListingCursorFilterSet(ListingFilterSet):
    """The API list's filters: ``q`` keeps only the listings containing every word (through the GIN
    index) and leaves the cursor's order (newest first) alone, so pages never skip or repeat a row.
    The ranked search is ``listings/search/``."""

    q = django_filters.CharFilter(
        label=_(
            "Words every listing must contain (a filter: the order stays newest first; "
            "listings/search/ ranks by relevance)"
        ),
        method="filter_q",
    )

    def filter_queryset(self, queryset):
        queryset = django_filters.FilterSet.filter_queryset(self, queryset)
        tsq = search.tsquery_for((self.form.cleaned_data.get("q") or "").strip())
        return queryset.filter(search_vector__matches=tsq) if tsq else queryset


class DealFilterSet(_Bootstrap):
    field = django_filters.ChoiceFilter(label=_("Field"), choices=TechField.choices)
    year = YearFilter(label=_("Year"), field_name="signed_on", lookup_expr="year")
    within_region = django_filters.BooleanFilter(label=_("Within the three regions"))
    seller_province = NamedChoiceFilter(label=_("Seller region"), queryset=_regions)
    base = NamedChoiceFilter(label=_("Base or park"), queryset=_BASES)
    q = django_filters.CharFilter(label=_("Registration number or title"), method="filter_q")

    class Meta:
        model = Deal
        fields = ["field", "year", "within_region", "seller_province", "base", "q"]

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(registration_number=value.strip()) | Q(title__icontains=value.strip()))


class BaseFilterSet(_Bootstrap):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=BaseKind.choices)
    field = django_filters.ChoiceFilter(label=_("Field"), choices=TechField.choices, method="filter_field")
    province = NamedChoiceFilter(label=_("Region"), queryset=_regions)

    class Meta:
        model = Base
        fields = ["kind", "field", "province"]

    def filter_field(self, queryset, name, value):
        return queryset.filter(fields__contains=[value])


class MatchPairFilterSet(_Bootstrap):
    state = django_filters.ChoiceFilter(label=_("State"), choices=PairState.choices)

    class Meta:
        model = MatchPair
        fields = ["state", "matching_list"]
