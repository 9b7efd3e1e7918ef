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

Date-times and decimals are converted as DRF does, with what DRF looks up again for every value (the
current time zone through two context-local reads; a copy of the decimal context and the quantum)
looked up once per serializer instance, when it converts its first row: once per response, since
no serializer instance outlives its request (``_datetime_converter``, ``_decimal_converter``); a
value of another kind goes to the field's own ``to_representation``.
"""

from __future__ import annotations

import datetime
import decimal
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
from rest_framework.settings import ISO_8601, api_settings

__all__ = ["PortalModelSerializer", "RepresentationMismatch", "local_datetime"]

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


def _datetime_converter(field: drf_fields.DateTimeField) -> Callable[[Any], Any]:
    """``DateTimeField.to_representation`` for aware date-times in ISO 8601, the field's time zone read
    once (DRF reads the current one for every value)."""
    slow = field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != ISO_8601:
        return slow
    tz = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if tz is None:
        return slow

    def convert(value):
        if type(value) is not datetime.datetime or value.utcoffset() is None:
            return slow(value)  # naive, a date, a string: DRF's own way
        try:
            text = value.astimezone(tz).isoformat()
        except OverflowError:
            return slow(value)  # DRF's error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _decimal_converter(field: drf_fields.DecimalField) -> Callable[[Any], Any]:
    """``DecimalField.to_representation`` as a string, with the quantum and the decimal context made
    once (DRF copies the context and raises 0.1 to the power of the places for every value)."""
    slow = field.to_representation
    if (
        not getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        or field.localize
        or field.normalize_output
        or field.decimal_places is None
    ):
        return slow
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    quantum = decimal.Decimal(".1") ** field.decimal_places
    rounding = field.rounding

    def convert(value):
        if type(value) is not decimal.Decimal:
            return slow(value)
        try:
            return f"{value.quantize(quantum, rounding=rounding, context=context):f}"
        except decimal.InvalidOperation:
            return slow(value)  # more digits than max_digits allows: as DRF fails

    return convert


# field types whose conversion reads the request's settings: bound per serializer, not per class
_CONVERTERS: dict[type, Callable[[Any], Callable[[Any], Any]]] = {
    drf_fields.DateTimeField: _datetime_converter,
    drf_fields.DecimalField: _decimal_converter,
}

_SHARED: dict[type, list | None] = {}
_METHOD = object()  # marks a SerializerMethodField's step: its method is bound per serializer
_CONVERTER = object()  # marks a step whose converter is made per serializer (``_CONVERTERS``)


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
                convert = _convert(field)
                getter = operator.attrgetter(".".join(field.source_attrs))
                plan.append((name, _quick(getter, generic), convert))
            elif _is_model_method(model, field.source_attrs):
                convert = _convert(field)
                getter = operator.methodcaller(field.source_attrs[0])
                plan.append((name, _quick(getter, generic), convert))
            elif _is_annotation(model, field.source_attrs) or _is_property(model, field.source_attrs):
                convert = _convert(field)
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
        # methods are this serializer's own (they read its context); converters read the settings now
        plan = [(name, read, self._bind(convert)) for name, read, convert in steps]
        self.__dict__["_plan"] = plan
        return plan

    def _bind(self, convert):
        if type(convert) is not tuple:
            return convert
        if convert[0] is _METHOD:
            return getattr(self, convert[1])
        _, make, field = convert
        return make(field)

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


_DATETIME = drf_fields.DateTimeField()


def local_datetime(value: datetime.datetime | None) -> str | None:
    """A date-time inside a value a method field builds (a dict, a list), written as the API writes its
    date-time fields: ISO 8601 in the current time zone (+08:00). Left to the JSON encoder it would
    come out in UTC (``…Z``): the same instant, but not as the fields beside it show it."""
    return None if value is None else _DATETIME.to_representation(value)


def _convert(field):
    """A step's conversion: the plain types' own, a converter made per serializer, or the field's."""
    if type(field) in _PLAIN:
        return _PLAIN[type(field)]
    if type(field) in _CONVERTERS:
        return (_CONVERTER, _CONVERTERS[type(field)], field)
    return field.to_representation


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
