from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal core")

    def ready(self) -> None:
        from . import policies, signals  # noqa: F401  (row policies; login/logout audit)
        from .choices import install_choice_labels

        install_choice_labels()
