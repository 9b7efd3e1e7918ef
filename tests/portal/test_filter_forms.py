"""What the filter forms of every list, page or API, offer to pick from."""

from __future__ import annotations

import django_filters
import pytest

from portal.filters import RecordNumberFilter
from tests.portal.filtersets import filtersets

# Tables a filter form may list whole: reference data that does not grow with use (regions, the
# parks and bases, the joint-research programmes, matching lists). Anything else (applications,
# projects, vouchers, claims, cases, organizations, users) grows by the thousand; listing it costs
# seconds a page at scale and names records to users not given them: such a filter takes the record's
# number (portal.filters.RecordNumberFilter).
LISTABLE = {"portal.Region", "transfer.Base", "transfer.MatchingList", "cooperation.Programme"}


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
    assert [(where, model) for where, model in listed if model not in LISTABLE] == []


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
