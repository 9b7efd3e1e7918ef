"""Celery tasks of this app: take ids, call a service."""

from celery import shared_task

from . import services

__all__ = ["expire_listings"]


@shared_task
def expire_listings() -> dict:
    """Daily: warn owners of listings about to expire, and expire those past their date."""
    return services.listings_expire()
