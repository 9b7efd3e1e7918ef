"""Read serializers' output computed through a per-serializer plan instead of DRF's per-field lookups.

DRF's ``Serializer.to_representation`` asks every field, for every row, to find its attribute
(``Field.get_attribute`` walks ``source_attrs`` with checks for mappings, callables and missing
objects) and to convert it. On a list of fifty rows that is a thousand such round trips and the larger
part of the serializer's time (bench, issue 10). ``PortalModelSerializer`` decides once per serializer
instance how each field is read:

- a model column, or a column reached through forward foreign keys (``source="owner.name"``):
  ``operator.attrgetter``, converted by the field (``str``/``int``/``bool`` for the plain types);
- a primary-key relation to a foreign key: the ``<fk>_id`` attribute, as DRF's pk-only path gives;
- a queryset annotation (``rank``, ``score``: a name the model class does not have): the attribute;
- a ``SerializerMethodField``: the serializer's method;
- anything else (nested serializers, callables such as ``get_state_display``, properties, many-to-many):
  DRF's own ``get_attribute`` and ``to_representation``, unchanged.

Whenever the quick read fails (a null link in ``owner.name``, a missing row), the field's own
``get_attribute`` is asked instead, so defaults, ``allow_null`` and skipped fields behave exactly as in
DRF. The test settings set ``API_CHECK_REPRESENTATION``: every answer of the test suite is then also
computed DRF's way and must be equal (tests/portal/test_api_representation.py).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import models
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.fields import SkipField

__all__ = ["PortalModelSerializer", "RepresentationMismatch"]

_PLAIN = {
    drf_fields.CharField: str,
    drf_fields.IntegerField: int,
    drf_fields.BooleanField: bool,
    drf_fields.ReadOnlyField: None,  # the value itself
}

Step = tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None]


class RepresentationMismatch(AssertionError):
    """The planned representation differs from DRF's (raised only under API_CHECK_REPRESENTATION)."""


def _column_path(model: type[models.Model], attrs: list[str]) -> bool:
    """Whether ``attrs`` is forward foreign keys from ``model`` ending on a concrete, non-relation
    column: values a plain attribute read gives exactly as DRF would."""
    for i, attr in enumerate(attrs):
        try:
            field = model._meta.get_field(attr)
        except Exception:
            return False
        last = i == len(attrs) - 1
        if last:
            return bool(getattr(field, "concrete", False)) and not field.is_relation
        if not (field.is_relation and (field.many_to_one or field.one_to_one) and field.concrete):
            return False
        model = field.related_model
    return False


def _generic(field) -> Callable[[Any], Any]:
    def read(instance):
        value = field.get_attribute(instance)
        if isinstance(value, relations.PKOnlyObject) and value.pk is None:
            return None
        return value

    return read


def _quick(getter: Callable[[Any], Any], fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read(instance):
        try:
            value = getter(instance)
        except Exception:
            # DRF's own handling of a missing link: default, null, skipped field or its error
            return fallback(instance)
        # a callable is called by DRF (``is_simple_callable``): leave that to it
        return fallback(instance) if callable(value) else value

    return read


def _identity(value):
    return value


class PortalModelSerializer(serializers.ModelSerializer):
    """The base of the portal's model serializers (see the module docstring)."""

    def _representation_plan(self) -> list[Step]:
        plan = self.__dict__.get("_plan")
        if plan is not None:
            return plan
        model = self.Meta.model
        plan = []
        for field in self._readable_fields:
            name = field.field_name
            generic = _generic(field)
            if isinstance(field, serializers.SerializerMethodField):
                plan.append((name, _identity, getattr(self, field.method_name)))
            elif (
                type(field) is relations.PrimaryKeyRelatedField
                and field.pk_field is None
                and len(field.source_attrs) == 1
                and _is_forward_fk(model, field.source_attrs[0])
            ):
                attname = model._meta.get_field(field.source_attrs[0]).attname
                plan.append((name, _quick(operator.attrgetter(attname), generic), None))
            elif (
                not isinstance(field, serializers.BaseSerializer | relations.RelatedField)
                and not isinstance(field, relations.ManyRelatedField)
                and field.source != "*"
                and _column_path(model, field.source_attrs)
            ):
                convert = _PLAIN.get(type(field), field.to_representation)
                getter = operator.attrgetter(".".join(field.source_attrs))
                plan.append((name, _quick(getter, generic), convert))
            elif _is_annotation(model, field.source_attrs):
                convert = _PLAIN.get(type(field), field.to_representation)
                plan.append((name, _quick(operator.attrgetter(field.source_attrs[0]), generic), convert))
            else:
                plan.append((name, generic, field.to_representation))
        self.__dict__["_plan"] = plan
        return plan

    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        out = {}
        for name, read, convert in self._representation_plan():
            try:
                value = read(instance)
            except SkipField:
                continue
            out[name] = None if value is None else (value if convert is None else convert(value))
        if getattr(settings, "API_CHECK_REPRESENTATION", False):
            expected = serializers.ModelSerializer.to_representation(self, instance)
            if out != expected:
                raise RepresentationMismatch(f"{type(self).__name__}: {out!r} != {expected!r}")
        return out


def _is_forward_fk(model: type[models.Model], attr: str) -> bool:
    try:
        field = model._meta.get_field(attr)
    except Exception:
        return False
    return bool(field.is_relation and (field.many_to_one or field.one_to_one) and field.concrete)


def _is_annotation(model: type[models.Model], attrs: list[str]) -> bool:
    """A single name the model class knows nothing of: set on the instance by ``annotate()``."""
    if len(attrs) != 1 or hasattr(model, attrs[0]):
        return False
    try:
        model._meta.get_field(attrs[0])
    except Exception:
        return True
    return False
