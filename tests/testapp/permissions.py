from django.db.models import Q
from django.utils.translation import gettext as _

from portal.models import Role
from portal.permissions import ALLOW, Policy, deny, is_platform_admin, official_province_id, register

from .models import Ticket


@register
class TicketPolicy(Policy):
    """Restricted tickets: the applicant organization and the officials of the ticket's province."""

    model = Ticket

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        q = Q(organization_id=user.organization_id) if user.organization_id else Q(pk__in=[])
        province = official_province_id(user)
        if province:
            q |= Q(province_id=province) | Q(restricted=False)
        return queryset.filter(q)

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        if action == "change":
            if user.is_authenticated and user.organization_id == obj.organization_id:
                return ALLOW
            return deny(_("Only the applicant may change the ticket."))
        return deny(_("You may not do this."))


def is_applicant(user, ticket) -> bool:
    return user.organization_id == ticket.organization_id and user.has_role(Role.ENTERPRISE_MEMBER)


def is_province_official(user, ticket):
    if official_province_id(user) == ticket.province_id:
        return ALLOW
    return deny(_("Only officials of the ticket's province may decide."))
