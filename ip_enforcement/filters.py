"""django-filter FilterSets for this app's lists (pages and API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.filters import RecordNumberFilter
from portal.models import PROVINCE_CHOICES

from .models import (
    AssistanceKind,
    AssistanceRequest,
    AssistanceState,
    Case,
    CaseState,
    Evidence,
    InfringementType,
    IPType,
    JointOperation,
    OperationState,
    Referral,
    ReferralState,
)

__all__ = [
    "CaseFilterSet",
    "ReferralFilterSet",
    "AssistanceFilterSet",
    "OperationFilterSet",
    "EvidenceFilterSet",
]


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    ip_type = django_filters.ChoiceFilter(choices=IPType.choices, label=_("IP type"))
    infringement_type = django_filters.ChoiceFilter(
        choices=InfringementType.choices, label=_("infringement type")
    )
    state = django_filters.ChoiceFilter(choices=CaseState.choices, label=_("state"))
    province = django_filters.ChoiceFilter(choices=PROVINCE_CHOICES, label=_("province"))

    class Meta:
        model = Case
        fields = ["q", "ip_type", "infringement_type", "state", "province"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(right_holder_name__icontains=value)
            | Q(infringer_name__icontains=value)
        )


class _FlowFilterSet(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(
        choices=[("incoming", _("Incoming")), ("outgoing", _("Outgoing"))],
        method="by_direction",
        label=_("direction"),
    )
    from_province = django_filters.ChoiceFilter(choices=PROVINCE_CHOICES, label=_("from region"))
    to_province = django_filters.ChoiceFilter(choices=PROVINCE_CHOICES, label=_("to region"))

    def by_direction(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        org_id = getattr(user, "organization_id", None)
        if value == "incoming":
            return queryset.filter(to_agency_id=org_id)
        if value == "outgoing":
            return queryset.filter(from_agency_id=org_id)
        return queryset


class ReferralFilterSet(_FlowFilterSet):
    state = django_filters.ChoiceFilter(choices=ReferralState.choices, label=_("state"))
    case = RecordNumberFilter(field_name="case_id", label=_("case"))

    class Meta:
        model = Referral
        fields = ["direction", "state", "from_province", "to_province", "case"]


class AssistanceFilterSet(_FlowFilterSet):
    state = django_filters.ChoiceFilter(choices=AssistanceState.choices, label=_("state"))
    kind = django_filters.ChoiceFilter(choices=AssistanceKind.choices, label=_("kind"))
    case = RecordNumberFilter(field_name="case_id", label=_("case"))

    class Meta:
        model = AssistanceRequest
        fields = ["direction", "state", "kind", "from_province", "to_province", "case"]


class OperationFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=OperationState.choices, label=_("state"))

    class Meta:
        model = JointOperation
        fields = ["state"]


class EvidenceFilterSet(django_filters.FilterSet):
    case = RecordNumberFilter(label=_("case"))
    assistance_request = RecordNumberFilter(label=_("assistance request"))

    class Meta:
        model = Evidence
        fields = ["case", "assistance_request"]
