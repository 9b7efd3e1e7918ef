"""What the forms offer to pick from: the filter forms of every list, page or API, and the admin's change forms."""

from __future__ import annotations

import django_filters
import pytest

from portal.filters import RecordNumberFilter
from portal.reference import LISTABLE_MODELS
from tests.portal.filtersets import filtersets

# the tables a form may list whole (reference data): portal.reference.LISTABLE_MODELS


def test_the_filtersets_of_pages_and_viewsets_are_found():
    found = filtersets()
    assert len(found) >= 30
    # one named in a module, one DRF builds from filterset_fields
    assert "cooperation.filters.ReviewFilterSet" in found
    assert any(name.endswith("ViewSet") for name in found)


@pytest.mark.django_db
def test_no_filter_form_lists_a_table_that_grows_with_use():
    """The reviews' application filter listed all 50,000 applications to every reviewer; the API's
    deadline, audit, ledger and evidence filters listed organizations, users, vouchers, claims and
    cases (issue 10)."""
    listed = []
    for where, cls in filtersets().items():
        for name, f in cls.base_filters.items():
            if isinstance(f, (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)):
                queryset = f.extra["queryset"]
                queryset = queryset(None) if callable(queryset) else queryset
                listed.append((f"{where}.{name}", queryset.model._meta.label))
    assert listed, "no model choice filter at all: the check would prove nothing"
    assert [(where, model) for where, model in listed if model not in LISTABLE_MODELS] == []


@pytest.mark.django_db
def test_a_record_number_filter_takes_whole_numbers_from_one_only():
    from django.test import Client

    from tests.factories import UserFactory
    from vouchers.models import Claim

    class Form(django_filters.FilterSet):
        voucher = RecordNumberFilter()

        class Meta:
            model = Claim
            fields = ["voucher"]

    for bad in ("abc", "1.5", "0", "-3", "1e5"):
        assert not Form({"voucher": bad}).form.is_valid(), bad
    assert Form({"voucher": "12"}).form.is_valid()
    # through the API: a 400 naming the filter, not a 500 and not a silent match
    client = Client()
    client.force_login(UserFactory())
    r = client.get("/api/v1/deadlines/", {"responsible_organization": "1.5"})
    assert r.status_code == 400 and "responsible_organization" in r.content.decode()


@pytest.mark.django_db
def test_no_admin_change_form_lists_a_table_that_grows_with_use(rf):
    """The admin's change forms and their inlines gave every relation a select: a referral's, a
    claim's or a case's page listed all organizations, users, cases or vouchers, an application's
    participants every organization per row. Such a relation takes the row's number
    (``portal.admin.by_number``)."""
    from django import forms
    from django.contrib import admin
    from django.contrib.admin.widgets import AutocompleteMixin, ForeignKeyRawIdWidget

    from tests.factories import UserFactory

    request = rf.get("/admin/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    listed, by_number = [], 0
    for model, model_admin in admin.site._registry.items():
        if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
            continue  # read only: a relation is shown as text
        change_forms = [(model._meta.label, model_admin.get_form(request))] + [
            (f"{model._meta.label} inline {inline.model._meta.label}", inline.get_formset(request).form)
            for inline in model_admin.get_inline_instances(request)
        ]
        fields = [
            (where, name, field) for where, form in change_forms for name, field in form.base_fields.items()
        ]
        for where, name, field in fields:
            if not isinstance(field, forms.ModelChoiceField):
                continue
            widget = getattr(field.widget, "widget", field.widget)  # inside the related-object wrapper
            if isinstance(widget, ForeignKeyRawIdWidget | AutocompleteMixin):  # the chosen row only
                by_number += 1
            elif field.queryset.model._meta.label not in LISTABLE_MODELS:
                listed.append((where, name, field.queryset.model._meta.label))
    assert by_number > 20, "no raw id box at all: the check would prove nothing"
    assert listed == []
