"""django-filter FilterSets of the talent app, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import PROVINCE_CHOICES

from .models import Appointment, CredentialKind, RecognitionRequest, RegistryEntry, RequestState
from .permissions import talent_province_id

__all__ = ["RecognitionRequestFilterSet", "RegistryEntryFilterSet", "AppointmentFilterSet", "QUEUES"]

QUEUES = (
    ("verification", _("Verification queue (issuing region)")),
    ("decision", _("Decision queue (host region)")),
    ("mine", _("Filed by me")),
)


class _BootstrapFilterSet(django_filters.FilterSet):
    """The filter form styled for Bootstrap 5 (the same FilterSet serves the API)."""

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            widget = field.widget
            css = (
                "form-select form-select-sm" if hasattr(widget, "choices") else "form-control form-control-sm"
            )
            widget.attrs.setdefault("class", css)
        return form


class RecognitionRequestFilterSet(_BootstrapFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Reference or certificate number"))
    queue = django_filters.ChoiceFilter(choices=QUEUES, method="filter_queue", label=_("Queue"))
    state = django_filters.MultipleChoiceFilter(choices=RequestState.choices, label=_("State"))
    kind = django_filters.ChoiceFilter(
        field_name="credential__kind", choices=CredentialKind.choices, label=_("Kind")
    )
    host_region = django_filters.ChoiceFilter(choices=PROVINCE_CHOICES, label=_("Host region"))
    issuing_region = django_filters.ChoiceFilter(choices=PROVINCE_CHOICES, label=_("Issuing region"))
    created_after = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Filed from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Filed until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = RecognitionRequest
        fields = [
            "q",
            "queue",
            "state",
            "kind",
            "host_region",
            "issuing_region",
            "created_after",
            "created_before",
        ]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(reference__icontains=value) | Q(credential__certificate_number__icontains=value)
        )

    def filter_queue(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        province = talent_province_id(user)
        if value == "mine":
            return queryset.filter(applicant_id=user.pk)
        if not province:
            return queryset.none()
        if value == "verification":
            return queryset.filter(
                issuing_region_id=province,
                state__in=[RequestState.VERIFICATION_REQUESTED, RequestState.ACKNOWLEDGED],
            )
        if value == "decision":
            return queryset.filter(
                host_region_id=province,
                state__in=[RequestState.SUBMITTED, RequestState.VERIFIED, RequestState.NOT_VERIFIED],
            )
        return queryset


class RegistryEntryFilterSet(_BootstrapFilterSet):
    certificate_number = django_filters.CharFilter(lookup_expr="icontains", label=_("Certificate number"))
    holder_name = django_filters.CharFilter(lookup_expr="icontains", label=_("Holder"))
    kind = django_filters.ChoiceFilter(choices=CredentialKind.choices, label=_("Kind"))
    revoked = django_filters.BooleanFilter(label=_("Revoked"))

    class Meta:
        model = RegistryEntry
        fields = ["certificate_number", "holder_name", "kind", "revoked"]


class AppointmentFilterSet(_BootstrapFilterSet):
    home_region = django_filters.ChoiceFilter(choices=PROVINCE_CHOICES, label=_("Employer's region"))
    host_region = django_filters.ChoiceFilter(choices=PROVINCE_CHOICES, label=_("Appointing region"))
    current_on = django_filters.DateFilter(method="filter_current", label=_("In force on"))

    class Meta:
        model = Appointment
        fields = ["home_region", "host_region", "current_on"]

    def filter_current(self, queryset, name, value):
        return queryset.filter(start_date__lte=value, end_date__gte=value)
