"""Celery task of the background exports (portal.export_jobs): thin, it takes the job's id."""

from celery import shared_task

from . import export_jobs

__all__ = ["run_export_job"]


@shared_task(acks_late=True, name="portal.export_tasks.run_export_job")
def run_export_job(job_id: int) -> None:
    export_jobs.run(job_id)
