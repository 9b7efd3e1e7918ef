"""Navigation that follows the user's roles (links only; every page checks access itself)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .models import Role

__all__ = ["navigation", "NAV"]

# (label, url name, roles that see it; empty = every signed-in user)
NAV = [
    (_("Joint research"), "cooperation:home", ()),
    (_("Technology transfer"), "transfer:home", ()),
    (_("Talent recognition"), "talent:home", ()),
    (_("Innovation vouchers"), "vouchers:home", ()),
    (
        _("IP enforcement"),
        "ip_enforcement:home",
        (Role.AGENCY_OFFICER, Role.REGION_COORDINATOR, Role.ENTERPRISE_MEMBER),
    ),
    (
        _("Webhook deliveries"),
        "portal:webhook_deliveries",
        (Role.AGENCY_OFFICER, Role.REGION_COORDINATOR, Role.PARTNER_SYSTEM, Role.PLATFORM_ADMIN),
    ),
    (_("Audit log"), "portal:audit_log", (Role.AUDITOR,)),
]


def navigation(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for label, name, roles in NAV:
            if roles and not user.has_role(*roles):
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            items.append({"label": label, "url": url, "active": request.path.startswith(url)})
        unread = user.notifications.filter(read_at__isnull=True).count()
    else:
        unread = 0
    return {"nav_items": items, "unread_notifications": unread}
