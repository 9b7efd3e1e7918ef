"""Django's PostgreSQL backend, with date-times read by psycopg's own C loader.

Django registers a loader of its own for ``timestamptz`` on every connection (to give date-times in
the connection's zone), and it derives from psycopg's pure-Python loader: that loader replaces the C
one of psycopg's binary build, and took 3.5 µs per value against 0.17 µs — a sixth of a voucher list's
time (bench, issue 10). Where the session's zone is UTC, as Django sets it with ``USE_TZ`` and no
``TIME_ZONE`` for the database, psycopg's C loader gives the very same values (aware, in
``datetime.timezone.utc``); each cursor gets it back. In any other set-up Django's loader stays.

``DATABASES["default"]["ENGINE"] = "portal.postgresql"`` (config/settings/base.py)."""

from __future__ import annotations

import datetime

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import is_psycopg3

__all__ = ["DatabaseWrapper", "C_TIMESTAMPTZ_LOADER"]


def _is_c_class(loader) -> bool:
    return loader is not None and loader.__module__.startswith(("psycopg_binary", "psycopg_c"))


C_TIMESTAMPTZ_LOADER = None
if is_psycopg3:
    from psycopg import adapters as _adapters
    from psycopg import pq as _pq
    from psycopg.postgres import types as _types

    _found = _adapters.get_loader(_types["timestamptz"].oid, _pq.Format.TEXT)
    C_TIMESTAMPTZ_LOADER = _found if _is_c_class(_found) else None


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        cursor = super().create_cursor(name)
        if (
            C_TIMESTAMPTZ_LOADER is not None
            and self.timezone == datetime.UTC
            and self.connection.info.parameter_status("TimeZone") == "UTC"
        ):
            cursor.adapters.register_loader("timestamptz", C_TIMESTAMPTZ_LOADER)
        return cursor
