"""The API filter backend skips django-filter when no filter is named; that is only right while every
FilterSet filters nothing when given no values, which this file holds each of them to."""

import pytest
from rest_framework.test import APIClient

from portal.api.filters import names_a_filter
from tests.portal.filtersets import filtersets
from tests.transfer.factories import ListingFactory
from transfer.filters import ListingCursorFilterSet

pytestmark = pytest.mark.django_db


def test_every_filterset_given_no_values_filters_nothing():
    found = filtersets()
    assert len(found) >= 30  # the pages' and viewsets' FilterSets were found
    for cls in found.values():
        queryset = cls._meta.model._default_manager.all()
        filterset = cls(data={}, queryset=queryset)
        assert filterset.is_valid(), (cls, filterset.errors)
        assert str(filterset.qs.query) == str(queryset.query), cls


def test_names_a_filter_knows_range_suffixes_and_ignores_other_parameters():
    assert names_a_filter({"kind": "supply"}, ListingCursorFilterSet)
    assert names_a_filter({"price_min": "1"}, ListingCursorFilterSet)
    assert not names_a_filter({"page_size": "10", "cursor": "x", "ordering": "-id"}, ListingCursorFilterSet)


def test_a_named_filter_still_filters_and_a_bad_value_is_still_a_400():
    supply = ListingFactory(kind="supply")
    demand = ListingFactory(kind="demand")
    api = APIClient()
    url = "/api/v1/transfer/listings/"
    assert {r["id"] for r in api.get(url).json()["results"]} >= {supply.pk, demand.pk}
    assert [r["id"] for r in api.get(url, {"kind": "demand"}).json()["results"]] == [demand.pk]
    bad = api.get(url, {"kind": "nonsense"})
    assert bad.status_code == 400 and "kind" in bad.content.decode()
