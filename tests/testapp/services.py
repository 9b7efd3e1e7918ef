from django.db import transaction
from django.utils.translation import gettext as _

from portal import audit, outbox
from portal.exceptions import PermissionDenied, ValidationError
from portal.models import Organization, Role, User

from .models import Ticket
from .workflows import TICKET_WORKFLOW


def create_ticket(*, actor: User, title: str, agency: Organization | None = None) -> Ticket:
    """An enterprise member opens a ticket for its organization."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("This field is required.")})
    if not actor.has_role(Role.ENTERPRISE_MEMBER) or not actor.organization_id:
        audit.record(audit.AuditAction.PERMISSION_DENIED, None, actor=actor, message="create ticket")
        raise PermissionDenied(_("Only enterprise members may open tickets."))
    with transaction.atomic():
        org = actor.organization
        ticket = Ticket.objects.create(
            title=title, organization=org, agency=agency, province_id=org.province_id
        )
        audit.record(audit.AuditAction.CREATE, ticket, actor=actor, changes=audit.snapshot(ticket))
        outbox.emit(
            "ticket.created",
            obj=ticket,
            actor=actor,
            title=_("New ticket: %s") % title,
            link=ticket.get_absolute_url(),
            recipients=list(User.objects.filter(organization_id=ticket.agency_id))
            if ticket.agency_id
            else [],
        )
    return ticket


def _transition(name):
    def service(ticket: Ticket, *, actor: User, **inputs) -> Ticket:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            return TICKET_WORKFLOW.apply(ticket, name, actor=actor, inputs=inputs)

    service.__name__ = f"{name}_ticket"
    return service


submit_ticket = _transition("submit")
request_info = _transition("request_info")
provide_info = _transition("provide_info")
accept_ticket = _transition("accept")
reject_ticket = _transition("reject")
