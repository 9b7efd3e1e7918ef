"""Celery tasks of this app: take ids, call a service."""
