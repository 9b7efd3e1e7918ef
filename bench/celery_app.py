"""The portal's Celery app for benchmark workers: ``celery -A bench.celery_app worker``. With
BENCH_PROPOSED_OUTBOX=1 each worker process delivers events with ``bench.proposed.deliver_event``."""

import os

from celery.signals import worker_process_init

from config.celery import app

__all__ = ["app"]


@worker_process_init.connect
def _install_proposed(**_kwargs) -> None:
    if os.environ.get("BENCH_PROPOSED_OUTBOX") == "1":
        from bench.proposed import install

        install()
