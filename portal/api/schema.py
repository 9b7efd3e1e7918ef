"""OpenAPI naming: every choice field of every model gets a stable enum name, ``<Model><Field>Enum``.

Many records have a ``state``, ``kind`` or ``status`` with different choices; drf-spectacular then
warns and invents names such as ``KindA0eEnum``. ``ModelChoiceEnumNames`` is a lazy mapping for
``SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]``, built from the app registry on first use (this
module imports nothing from Django at import time, so settings may import it)::

    from portal.api.schema import ModelChoiceEnumNames
    SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = ModelChoiceEnumNames()
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping

__all__ = ["ModelChoiceEnumNames"]


def _key(choices) -> str:
    pairs = sorted((str(v), str(label)) for v, label in choices if v not in ("", None))
    return hashlib.sha256(json.dumps(pairs, ensure_ascii=False).encode()).hexdigest()


class ModelChoiceEnumNames(Mapping):
    """``{"<Model><Field>Enum": choices}`` for each distinct choice set of the installed models.

    A choice set shared by several fields (one TextChoices used in many models) gets one name, from
    the first model in app order; names of a choice set that would clash are suffixed by app label.
    """

    def __init__(self, extra: Mapping | None = None):
        self._extra = dict(extra or {})
        self._data: dict | None = None

    def _build(self) -> dict:
        if self._data is None:
            from django.apps import apps

            from portal.models import PROVINCE_CHOICES, PROVINCE_CODES

            data: dict = {}
            seen: set[str] = set()
            shared = {
                "ProvinceEnum": PROVINCE_CHOICES,
                "ProvinceCodeEnum": [(code, code) for code in PROVINCE_CODES],
            }
            for name, choices in {**shared, **self._extra}.items():
                data[name] = choices
                seen.add(_key(choices.choices if hasattr(choices, "choices") else choices))
            for model in apps.get_models():
                for field in model._meta.concrete_fields:
                    if not field.choices:
                        continue
                    choices = list(field.flatchoices)
                    if not all(isinstance(v, str | int) for v, _label in choices):
                        continue  # e.g. time zones: not an enum anyone reads
                    key = _key(choices)
                    if key in seen:
                        continue
                    seen.add(key)
                    base = f"{model.__name__}{field.name.title().replace('_', '')}Enum"
                    name = base if base not in data else f"{model._meta.app_label.title()}{base}"
                    data[name] = choices
            self._data = data
        return self._data

    def __getitem__(self, key):
        return self._build()[key]

    def __iter__(self) -> Iterator:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())
