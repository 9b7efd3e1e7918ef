"""Bulk loading with PostgreSQL COPY (psycopg 3 ``cursor.copy``), driven by the Django model.

A caller gives the values it cares about; every other concrete column gets the model field's
default (or now() for auto_now fields, NULL or "" where allowed), so a field added to a model later
does not break the generator, and a required field without a default stops it with a clear message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

from portal import crypto

__all__ = ["Loader", "LoadStats", "drop_indexes", "create_indexes", "reset_sequences"]

_MISSING = object()


class LoadStats:
    def __init__(self) -> None:
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def add(self, label: str, rows: int, seconds: float) -> None:
        self.rows[label] = self.rows.get(label, 0) + rows
        self.seconds[label] = self.seconds.get(label, 0.0) + seconds

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _filler(field: models.Field, now) -> Callable[[], Any]:
    """A function giving the value of a column the caller did not set."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.has_default():
        if callable(field.default):
            return field.get_default
        value = field.get_default()
        return lambda: value
    if field.null:
        return lambda: None
    if field.blank and isinstance(field, models.CharField | models.TextField):
        return lambda: ""
    raise LookupError(
        f"{field.model._meta.label}.{field.name} has no default and the generator gives no value: "
        "add it to bench/generate.py"
    )


class Loader:
    """COPY rows of one model. ``rows`` yield dicts keyed by field name (``owner_id`` style for FKs)."""

    def __init__(self, stats: LoadStats, *, verbose: bool = True):
        self.stats = stats
        self.verbose = verbose
        self.now = timezone.now()

    def columns(self, model: type[models.Model], given: Iterable[str]) -> tuple[list, dict]:
        given = set(given)
        fields = []
        fillers = {}
        for f in model._meta.concrete_fields:
            key = f.attname
            fields.append(f)
            if f.primary_key and isinstance(f, models.AutoField):
                if key not in given:
                    raise LookupError(f"{model._meta.label}: give explicit ids")
                continue
            try:
                fillers[key] = _filler(f, self.now)
            except LookupError as exc:
                if key in given or f.name in given:
                    fillers[key] = _raiser(exc)
                else:
                    raise
        return fields, fillers

    def load(self, model: type[models.Model], rows: Iterable[dict], *, label: str | None = None) -> int:
        label = label or model._meta.label
        it = iter(rows)
        first = next(it, None)
        if first is None:
            return 0
        fields, fillers = self.columns(model, first.keys())
        cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({cols}) FROM STDIN"
        json_cols = {f.attname for f in fields if isinstance(f, models.JSONField)}
        # COPY bypasses get_prep_value: encrypted columns get their token here, as a save would write.
        encrypted_cols = {f.attname for f in fields if isinstance(f, crypto.EncryptedCharField)}
        started = time.perf_counter()
        n = 0
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in _chain(first, it):
                values = []
                for f in fields:
                    key = f.attname
                    value = row.get(key, _MISSING)
                    if value is _MISSING:
                        value = row.get(f.name, _MISSING)
                    if value is _MISSING:
                        value = fillers[key]()
                    if key in json_cols and value is not None:
                        value = Jsonb(value)
                    elif key in encrypted_cols and value and not crypto.looks_encrypted(value):
                        value = crypto.encrypt(value)
                    values.append(value)
                copy.write_row(values)
                n += 1
        elapsed = time.perf_counter() - started
        self.stats.add(label, n, elapsed)
        if self.verbose:
            rate = n / elapsed if elapsed else 0.0
            print(f"  {label:<36} {n:>10,} rows {elapsed:8.1f} s {rate:>10,.0f} rows/s", flush=True)
        return n


def _raiser(exc: Exception) -> Callable[[], Any]:
    def fail():
        raise exc

    return fail


def _chain(first, rest):
    yield first
    yield from rest


def drop_indexes(model: type[models.Model]) -> list:
    """Drop the model's Meta.indexes (GIN, composite) before a large load; returns them to re-create."""
    indexes = list(model._meta.indexes)
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.execute(f"DROP INDEX IF EXISTS {editor.quote_name(index.name)}")
    return indexes


def create_indexes(model: type[models.Model], indexes: list, stats: LoadStats | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        if connection.in_atomic_block:
            # Inside a transaction (the tests), deferred foreign-key checks are pending and PostgreSQL
            # refuses CREATE INDEX on the table: check them now, then defer again.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for index in indexes:
        started = time.perf_counter()
        with connection.schema_editor() as editor:
            editor.add_index(model, index)
        elapsed = time.perf_counter() - started
        if stats is not None:
            stats.add(f"index {index.name}", 0, elapsed)
        print(f"  index {index.name:<30} {elapsed:8.1f} s", flush=True)


def reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
