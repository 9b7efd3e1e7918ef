"""Celery tasks of this app: take ids, call a service.

The joint research process has no background work of its own: its due dates (formal check, expert
reviews, joint decisions, progress reports, mid-term review, final acceptance) are opened through
portal.deadlines and watched by the shared beat task portal.tasks.scan_deadlines, and its events are
delivered by the shared outbox tasks.
"""
