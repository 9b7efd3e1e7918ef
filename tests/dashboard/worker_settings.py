"""Settings of the test worker for the background exports: the test settings plus the export task module.

portal/export_tasks.py is not a ``tasks.py`` that Celery's autodiscovery finds; until portal/tasks.py
imports it (or CELERY_IMPORTS names it in config/settings/base.py), the worker is told here."""

from config.settings.test import *  # noqa: F403

CELERY_IMPORTS = ("portal.export_tasks",)
