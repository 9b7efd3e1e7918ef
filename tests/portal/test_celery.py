"""Celery is wired to Django: tasks are discovered per app and round-trip through the real broker."""

from __future__ import annotations

import pytest
from django.conf import settings

from config.celery import app
from portal.tasks import ping, sweep_outbox


def test_app_configuration():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.broker_url.startswith("redis://")
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_serializer == "json"
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_tasks_are_autodiscovered_in_every_app():
    app.loader.import_default_modules()
    assert "portal.tasks.ping" in app.tasks
    assert "portal.tasks.scan_deadlines" in app.tasks


@pytest.mark.celery_worker
def test_round_trip_through_broker_and_worker(celery_worker):
    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    assert result.successful()
    # a task that reads the database through the worker's own connection
    assert sweep_outbox.delay().get(timeout=30) == 0
