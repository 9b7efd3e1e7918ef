from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    name = "transfer"
    verbose_name = _("Technology transfer")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the row-level policies)
