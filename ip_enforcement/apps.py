from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IpEnforcementConfig(AppConfig):
    name = "ip_enforcement"
    verbose_name = _("IP enforcement")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the row-level policies)
