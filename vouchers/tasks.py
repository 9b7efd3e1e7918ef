"""Celery tasks of this app: take ids, call a service."""

from celery import shared_task

from . import services


@shared_task(name="vouchers.expire_vouchers")
def expire_vouchers_task() -> int:
    """Daily: vouchers past their expiry lapse and return their unreserved balance to the budget."""
    return len(services.expire_vouchers())
