"""``get_<field>_display()`` without re-translating every choice on every call.

Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))`` on each call;
hashing a lazy label translates it, so one call translates every label of the field (a list page of
fifty rows with two such columns did it thousands of times: a quarter of its time, bench issue 10).
Here the mapping value → lazy label is built once per field and only the label shown is translated,
in the language active at the call, as before.
"""

from __future__ import annotations

from functools import partialmethod

from django.apps import apps
from django.db.models import Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

__all__ = ["install_choice_labels"]

_labels: dict = {}  # field → {value: lazy label}


def _get_FIELD_display(self, field):  # noqa: N802  (Django's name)
    labels = _labels.get(field)
    if labels is None:
        # the keys are the choices' values (hashable without translating); the labels stay lazy
        labels = _labels[field] = {make_hashable(v): label for v, label in field.flatchoices}
    value = getattr(self, field.attname)
    return force_str(labels.get(make_hashable(value), value), strings_only=True)


def install_choice_labels() -> None:
    """Replace the ``get_<field>_display`` Django set on every model (a model's own method stays)."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            name = f"get_{getattr(field, 'name', '')}_display"
            current = model.__dict__.get(name)
            if isinstance(current, partialmethod) and current.func is Model._get_FIELD_display:
                setattr(model, name, partialmethod(_get_FIELD_display, field=field))
