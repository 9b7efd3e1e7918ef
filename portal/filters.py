"""Filters every app's FilterSets share, and the FilterSets of the platform's own records."""

from __future__ import annotations

from django import forms
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters

from .forms import NamedChoiceMixin
from .models import AuditEntry, Deadline, WebhookDelivery

__all__ = [
    "RecordNumberFilter",
    "NamedChoiceFilter",
    "DeadlineFilterSet",
    "AuditEntryFilterSet",
    "WebhookDeliveryFilterSet",
]


class RecordNumberFilter(filters.NumberFilter):
    """A related record by its number (id), for records that grow with use (applications, vouchers,
    cases, organizations, users). Not a list to pick from: that would name every such record to
    whoever opens the form (the reviews' filter once listed 50,000 applications to every reviewer) and
    cost seconds to render at scale; and a number that names no record, or one the user may not see,
    finds nothing rather than telling the two apart. Whole numbers from 1 only: a 400 naming the
    filter for anything else (tests/portal/test_filter_forms.py)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)


class _NamedFilterChoiceField(NamedChoiceMixin, filter_fields.ModelChoiceField):
    pass


class NamedChoiceFilter(filters.ModelChoiceFilter):
    """A model choice filter whose options are read as ``(number, name)`` rows (portal.forms.NamedChoiceMixin):
    for a reference table whose ``str()`` is its name."""

    field_class = _NamedFilterChoiceField


class DeadlineFilterSet(filters.FilterSet):
    responsible_organization = RecordNumberFilter()

    class Meta:
        model = Deadline
        fields = ["status", "kind", "responsible_region", "responsible_organization"]


class AuditEntryFilterSet(filters.FilterSet):
    since = filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="at", lookup_expr="lte")
    object_repr = filters.CharFilter(lookup_expr="icontains")
    actor = RecordNumberFilter()
    organization = RecordNumberFilter()

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "organization", "object_id", "request_id"]


class WebhookDeliveryFilterSet(filters.FilterSet):
    # a number: a list would show every partner's subscriptions to each partner's system
    subscription = RecordNumberFilter()

    class Meta:
        model = WebhookDelivery
        fields = ["status", "subscription"]
