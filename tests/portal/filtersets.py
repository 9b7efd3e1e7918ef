"""Every FilterSet of our apps, for the tests that hold all of them to a rule."""

from __future__ import annotations

import importlib

import django_filters
from django.urls import URLPattern, URLResolver, get_resolver
from django_filters.rest_framework import DjangoFilterBackend

APPS = ("portal", "cooperation", "transfer", "talent", "vouchers", "ip_enforcement")


def _views(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _views(p.url_patterns)
        elif isinstance(p, URLPattern) and getattr(p.callback, "cls", None) is not None:
            yield p.callback.cls


def filtersets() -> dict[str, type]:
    """Every FilterSet of our apps: those the pages and viewsets name, and those DRF builds from a
    viewset's ``filterset_fields``."""
    for app in APPS:
        importlib.import_module(f"{app}.filters")
    found, todo = {}, list(django_filters.FilterSet.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APPS and cls._meta.model is not None:
            found[f"{cls.__module__}.{cls.__name__}"] = cls
    backend = DjangoFilterBackend()
    for view in set(_views(get_resolver().url_patterns)):
        queryset = getattr(view, "queryset", None)
        if view.__module__.split(".")[0] in APPS and queryset is not None:
            cls = backend.get_filterset_class(view(), queryset)
            if cls is not None:
                found.setdefault(f"{view.__module__}.{view.__name__}", cls)
    return found
