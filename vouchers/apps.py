from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchersConfig(AppConfig):
    name = "vouchers"
    verbose_name = _("Innovation vouchers")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the row-level policies)
