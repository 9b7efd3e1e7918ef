"""What the filter forms of every list offer to pick from."""

from __future__ import annotations

import importlib
import inspect

import django_filters
import pytest

APPS = ("portal", "cooperation", "transfer", "talent", "vouchers", "ip_enforcement")

# Tables a filter form may list whole: reference data that does not grow with use (regions, the
# parks and bases, programmes, matching lists). Anything else (applications, projects, vouchers,
# cases, organizations) grows by the thousand, and listing it names records to users not given them.
LISTABLE = {"portal.Region", "transfer.Base", "transfer.MatchingList", "cooperation.Programme"}


def filtersets():
    for app in APPS:
        try:
            module = importlib.import_module(f"{app}.filters")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, django_filters.FilterSet)
                and cls.__module__ == module.__name__
                and cls._meta.model
            ):
                yield cls


def test_there_are_filtersets_to_check():
    assert len(list(filtersets())) >= 20


@pytest.mark.django_db
def test_no_filter_form_lists_a_table_that_grows_with_use():
    """A filter on such a table takes its number (NumberFilter): the review list's application filter
    listed all fifty thousand applications to every reviewer (issue 10)."""
    found = []
    for cls in filtersets():
        for name, f in cls.base_filters.items():
            if isinstance(f, (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)):
                queryset = f.extra["queryset"]
                queryset = queryset(None) if callable(queryset) else queryset
                found.append((f"{cls.__module__}.{cls.__name__}.{name}", queryset.model._meta.label))
    assert found, "no model choice filter at all: the check would prove nothing"
    assert [(where, model) for where, model in found if model not in LISTABLE] == []
