"""Read serializers' output computed through a per-serializer plan instead of DRF's per-field lookups.

DRF's ``Serializer.to_representation`` asks every field, for every row, to find its attribute
(``Field.get_attribute`` walks ``source_attrs`` with checks for mappings, callables and missing
objects) and to convert it. On a list of fifty rows that is a thousand such round trips and the larger
part of the serializer's time (bench, issue 10). ``PortalModelSerializer`` decides once per serializer
class (or per instance, when a field needs the instance's own bound fields) how each field is read:

- a model column, or a column reached through forward foreign keys (``source="owner.name"``):
  ``operator.attrgetter``, converted by the field (``str``/``int`` for the plain types);
- a primary-key relation to a foreign key: the ``<fk>_id`` attribute, as DRF's pk-only path gives;
- a model method called without arguments (``source="get_state_display"``): called, as DRF does;
- a queryset annotation (``rank``, ``score``: a name the model class does not have) or a property of
  the model (``balance``): the attribute;
- a ``SerializerMethodField``: the serializer's method;
- anything else (nested serializers, relations other than a foreign key's id, many-to-many, a
  callable further down a path such as ``expert.__str__``): DRF's own ``get_attribute`` and
  ``to_representation``, unchanged.

Whenever the quick read fails (a null link in ``owner.name``, a missing row), the field's own
``get_attribute`` is asked instead, so defaults, ``allow_null`` and skipped fields behave exactly as in
DRF. The test settings set ``API_CHECK_REPRESENTATION`` (False in production): every answer of the test suite is then also
computed DRF's way and must be equal (tests/portal/test_api_representation.py).
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable, Mapping
from functools import cached_property, partialmethod
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
            if field.is_relation:  # only ``<fk>_id``, the stored id, reads as a column
                return bool(field.concrete) and attr == getattr(field, "attname", None) != field.name
            return bool(getattr(field, "concrete", False))
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


_SHARED: dict[type, list | None] = {}
_METHOD = object()  # marks a SerializerMethodField's step: its method is bound per serializer


class PortalModelSerializer(serializers.ModelSerializer):
    """The base of the portal's model serializers (see the module docstring)."""

    @classmethod
    def _shared_plan(cls) -> list | None:
        """The plan of a serializer whose fields are all columns, ids, annotations or methods, built once
        per class from a prototype: its fields' conversions depend on their own settings only, so every
        instance may use them without building its own fields (a fifth of a short list's time). None
        when a field needs the instance's own bound fields (nested serializers, callables) or when the
        class builds or trims its fields itself (``get_fields``, ``__init__``)."""
        if (
            getattr(getattr(cls, "Meta", None), "model", None) is None
            or cls.get_fields is not serializers.ModelSerializer.get_fields
            or cls.__init__ is not serializers.BaseSerializer.__init__
        ):
            return None
        prototype = cls(context={})
        return prototype._plan_fields(shared=True)

    def _plan_fields(self, *, shared: bool) -> list | None:
        model = self.Meta.model
        plan = []
        for field in self._readable_fields:
            name = field.field_name
            generic = _generic(field)
            if isinstance(field, serializers.SerializerMethodField):
                plan.append((name, _identity, (_METHOD, field.method_name)))
            elif (
                type(field) is relations.PrimaryKeyRelatedField
                and field.pk_field is None
                and len(field.source_attrs) == 1
                and _is_forward_fk(model, field.source_attrs[0])
            ):
                attname = model._meta.get_field(field.source_attrs[0]).attname
                plan.append((name, _quick(operator.attrgetter(attname), generic), None))
            elif not _plain(field):
                # nested serializers and relations convert through their own bound state
                if shared:
                    return None
                plan.append((name, generic, field.to_representation))
            elif field.source != "*" and _column_path(model, field.source_attrs):
                convert = _PLAIN.get(type(field), field.to_representation)
                getter = operator.attrgetter(".".join(field.source_attrs))
                plan.append((name, _quick(getter, generic), convert))
            elif _is_model_method(model, field.source_attrs):
                convert = _PLAIN.get(type(field), field.to_representation)
                getter = operator.methodcaller(field.source_attrs[0])
                plan.append((name, _quick(getter, generic), convert))
            elif _is_annotation(model, field.source_attrs) or _is_property(model, field.source_attrs):
                convert = _PLAIN.get(type(field), field.to_representation)
                plan.append((name, _quick(operator.attrgetter(field.source_attrs[0]), generic), convert))
            elif shared:
                return None
            else:
                plan.append((name, generic, field.to_representation))
        return plan

    def _representation_plan(self) -> list[Step]:
        plan = self.__dict__.get("_plan")
        if plan is not None:
            return plan
        cls = type(self)
        if cls not in _SHARED:
            _SHARED[cls] = cls._shared_plan()
        # fields already built on this instance may have been changed (``ser.fields.pop(...)``): plan
        # from them, not from the class
        steps = (None if "fields" in self.__dict__ else _SHARED[cls]) or self._plan_fields(shared=False)
        # methods are this serializer's own (they read its context)
        plan = [
            (name, read, getattr(self, convert[1]) if type(convert) is tuple else convert)
            for name, read, convert in steps
        ]
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
        if settings.API_CHECK_REPRESENTATION:
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


def _is_model_method(model: type[models.Model], attrs: list[str]) -> bool:
    """A single name that is a method of the model taking no argument but the instance (DRF calls it):
    ``get_<field>_display`` and the like."""
    if len(attrs) != 1:
        return False
    static = inspect.getattr_static(model, attrs[0], None)
    if isinstance(static, partialmethod):
        return static.func is not None and not static.args
    if not inspect.isfunction(static):
        return False
    required = [
        p
        for p in inspect.signature(static).parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(required) == 1


def _is_property(model: type[models.Model], attrs: list[str]) -> bool:
    return len(attrs) == 1 and isinstance(
        inspect.getattr_static(model, attrs[0], None), property | cached_property
    )


def _plain(field) -> bool:
    """A field read as DRF's ``Field`` reads and converted by its own settings only: not a serializer,
    not a relation, not a field with its own ``get_attribute`` (``ModelField``), not a file (its URL
    is built from the request)."""
    return type(field).get_attribute is drf_fields.Field.get_attribute and not isinstance(
        field,
        serializers.BaseSerializer
        | relations.RelatedField
        | relations.ManyRelatedField
        | drf_fields.FileField,
    )
