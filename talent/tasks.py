"""Celery tasks of the talent app: take ids, call a service."""

from celery import shared_task

from . import services

__all__ = ["registry_import_task", "tacit_recognition_task"]


@shared_task(acks_late=True)
def registry_import_task(import_id: int) -> int:
    return services.registry_import_process(import_id=import_id).succeeded


@shared_task
def tacit_recognition_task() -> int:
    """Run beside portal.tasks.scan_deadlines (beat): tacit recognition where a region allows it."""
    return services.requests_tacitly_recognize()
