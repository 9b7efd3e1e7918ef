"""Shared fixtures: real PostgreSQL (pytest-django's test database), real Redis, and a real Celery
worker process for the tests marked ``celery_worker``."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parent.parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` run first: with one process per core (`make test`), a minute-long test
    taken up last would keep one process busy while the others have finished. First of their kind only:
    pytest-django's sort, which runs after this one and keeps this order within each kind, still puts
    the tests in a rolled-back transaction before those that commit and empty the database."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield


@pytest.fixture
def api():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


class WorkerProcess:
    """A ``celery worker`` subprocess on the test database and the real Redis broker."""

    def __init__(self, db_name: str):
        self.db_name = db_name
        self.proc: subprocess.Popen | None = None
        self.log = ROOT / ".data" / f"test-worker-{os.getpid()}.log"

    def env(self) -> dict:
        db = settings.DATABASES["default"]
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{self.db_name}"
        if db.get("PASSWORD"):
            url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{self.db_name}"
        env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test")
        # Small outbox batches: a test that kills the worker or Redis "mid-way" through a few hundred
        # events must find many transactions still to come, not one batch that commits them all.
        env.setdefault("OUTBOX_BATCH_SIZE", "10")
        return env

    def start(self) -> None:
        self.log.parent.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"test-{os.getpid()}-{time.time_ns()}@%h",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        from config.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited: see {self.log}")
            if app.control.ping(timeout=0.5):
                return
        raise RuntimeError(f"celery worker did not answer within 60 s: see {self.log}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def _purge_broker() -> None:
    from config.celery import app

    with contextlib.suppress(Exception):  # an empty or unreachable broker is fine here
        app.control.purge()


@pytest.fixture(scope="session", autouse=True)
def _flush_past_audit_truncate_guard():
    """PostgreSQL refuses TRUNCATE on the audit log (a trigger); Django empties the database after
    each transactional test with one TRUNCATE, so the test runner alone is let past the guard."""
    import pgtrigger
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with pgtrigger.ignore("portal.AuditEntry:audit_no_truncate", databases=[self.connection.alias]):
            return original(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture
def celery_worker(transactional_db, django_db_serialized_rollback, django_db_blocker):
    """A real worker for one test. Tests using it commit their data (transactional_db) so the worker sees it.
    The reference data loaded by migrations (regions, holidays) is restored before each such test."""
    _purge_broker()
    worker = WorkerProcess(settings.DATABASES["default"]["NAME"])
    worker.start()
    yield worker
    worker.stop()
    _purge_broker()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Poll ``predicate`` until it returns a truthy value (for work done by the worker process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture(autouse=True)
def _no_id_number_in_full_to_anyone_without_the_right():
    """Fails the test if any API answer it produced showed a stored ID number in full to a user the
    policy does not allow (tests/idscan.py scans every answer of the suite)."""
    from tests import idscan

    idscan.PROBLEMS.clear()
    yield
    problems, idscan.PROBLEMS[:] = list(idscan.PROBLEMS), []
    assert problems == [], "ID numbers shown in full:\n" + "\n".join(problems[:20])
