"""Environment of a benchmark process: which database, which Redis db, which settings.

Every bench command calls :func:`configure` before Django is set up, so the generator, the runner,
the gunicorn it starts and the Celery worker all agree on the database and the keys.
"""

from __future__ import annotations

import os
import secrets

__all__ = ["configure", "database_url", "BENCH_REDIS_URL", "PG_ADMIN_URL"]

PG_HOST = os.environ.get("BENCH_PGHOST", "127.0.0.1")
PG_PORT = os.environ.get("BENCH_PGPORT", "5432")
PG_USER = os.environ.get("BENCH_PGUSER", "postgres")
# Redis db 12: apart from the portal's (0) and the test runs' (9, …), so no other worker takes our tasks.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
PG_ADMIN_URL = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"


def database_url(name: str) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def configure(database: str) -> dict[str, str]:
    """Point this process (and the children it starts) at ``database``; returns the variables set."""
    values = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(database),
        "REDIS_URL": BENCH_REDIS_URL,
        "CELERY_BROKER_URL": BENCH_REDIS_URL,
        "CELERY_RESULT_BACKEND": BENCH_REDIS_URL,
        "CACHE_KEY_PREFIX": f"bench-{database}",
        # Fixed per run so the generator's encrypted ID numbers and the server's checks agree.
        "FIELD_ENCRYPTION_KEY": os.environ.get("FIELD_ENCRYPTION_KEY") or "bench-field-key-" + "0" * 32,
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }
    os.environ.update(values)
    return values
