from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """A tiny app installed only in test settings: one use of every core mechanism."""

    name = "tests.testapp"
    label = "testapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the Ticket policy)
