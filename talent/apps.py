from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentConfig(AppConfig):
    name = "talent"
    verbose_name = _("Talent recognition")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the row-level policies)
