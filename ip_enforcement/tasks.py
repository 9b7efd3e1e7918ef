"""Celery tasks of this app: take ids, call a service."""

from celery import shared_task

from . import services
from .models import Evidence

__all__ = ["verify_evidence_task", "verify_all_evidence"]


@shared_task
def verify_evidence_task(evidence_ids: list[int]) -> list[int]:
    """Re-check these evidence files' SHA-256; returns the ids of altered files."""
    return services.verify_evidence_integrity(evidence_ids=evidence_ids)


@shared_task
def verify_all_evidence(batch: int = 500) -> int:
    """Fan the integrity sweep out in batches of ids (suitable for a nightly beat entry)."""
    ids = list(Evidence.objects.order_by("id").values_list("id", flat=True))
    for i in range(0, len(ids), batch):
        verify_evidence_task.delay(ids[i : i + batch])
    return len(ids)
