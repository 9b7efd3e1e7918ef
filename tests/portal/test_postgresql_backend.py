"""The database backend (portal/postgresql): date-times are read by psycopg's C loader where the
session is in UTC, and come out exactly as Django's own loader gives them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.test import override_settings
from psycopg import pq
from psycopg.postgres import types

from portal.postgresql.base import C_TIMESTAMPTZ_LOADER

pytestmark = pytest.mark.django_db

LITERALS = [
    "now()",
    "'2026-01-01 00:00:00+08'::timestamptz",
    "'2026-11-27 07:30:00.123456+08'::timestamptz",
    "'0001-01-01 00:00:00+00'::timestamptz",
    "'9999-12-31 23:59:59.999999+00'::timestamptz",
    "'1900-03-01 12:00:00-05:30'::timestamptz",
    "NULL::timestamptz",
]
SQL = "SELECT " + ", ".join(LITERALS) + ", now()"


def test_the_portal_backend_reads_date_times_with_psycopg_s_c_loader():
    assert connection.settings_dict["ENGINE"] == "portal.postgresql"
    assert C_TIMESTAMPTZ_LOADER is not None  # the binary build is what requirements.lock installs
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(types["timestamptz"].oid, pq.Format.TEXT)
    assert loader is C_TIMESTAMPTZ_LOADER


def test_date_times_read_by_the_c_loader_equal_django_s_own():
    with connection.cursor() as cursor:
        cursor.execute(SQL)
        fast = cursor.fetchone()
    raw = connection.connection.cursor()
    register_tzloader(connection.timezone, raw)  # Django's loader, as its own backend registers it
    raw.execute(SQL)
    django_s = raw.fetchone()
    raw.close()
    assert fast[:-2] == django_s[:-2] and fast[-2] is django_s[-2] is None
    for value in fast[1:-2]:
        assert value.tzinfo is datetime.UTC  # the same object Django's loader puts there
    with connection.cursor() as cursor:
        cursor.execute("SELECT '2026-11-27 07:30:00+08'::timestamptz")
        assert cursor.fetchone()[0] == datetime.datetime(2026, 11, 26, 23, 30, tzinfo=datetime.UTC)


@override_settings(USE_TZ=False)
def test_without_time_zone_support_django_s_loader_stays():
    with connection.cursor() as cursor:
        cursor.execute("SELECT '2026-11-27 07:30:00+08'::timestamptz")
        value = cursor.fetchone()[0]
    assert value.tzinfo is None  # naive, in TIME_ZONE, as Django gives it
    assert value == datetime.datetime(2026, 11, 27, 7, 30)
