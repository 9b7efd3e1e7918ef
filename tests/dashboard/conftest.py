"""The celery_worker fixture of tests/conftest.py, with the export task module loaded in the worker."""

import pytest
from django.conf import settings

from tests.conftest import WorkerProcess, _purge_broker


class ExportWorkerProcess(WorkerProcess):
    def env(self) -> dict:
        return {**super().env(), "DJANGO_SETTINGS_MODULE": "tests.dashboard.worker_settings"}


@pytest.fixture
def celery_worker(transactional_db, django_db_serialized_rollback, django_db_blocker):
    _purge_broker()
    worker = ExportWorkerProcess(settings.DATABASES["default"]["NAME"])
    worker.start()
    yield worker
    worker.stop()
    _purge_broker()
