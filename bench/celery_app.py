"""The portal's Celery app for benchmark workers: ``celery -A bench.celery_app worker`` (the runner sets
DJANGO_SETTINGS_MODULE to ``bench.settings``; the delivery code is the portal's own)."""

from config.celery import app

__all__ = ["app"]
