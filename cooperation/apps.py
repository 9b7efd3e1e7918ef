from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "cooperation"
    verbose_name = _("Joint research")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the row-level policies)
