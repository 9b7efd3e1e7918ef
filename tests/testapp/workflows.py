from django.utils.translation import gettext_lazy as _

from portal.deadlines import DeadlineSpec
from portal.models import User
from portal.workflow import Effect, Transition, Workflow

from .models import TicketState
from .permissions import is_applicant, is_province_official

S = TicketState


def applicant_users(ticket):
    return User.objects.filter(organization_id=ticket.organization_id, is_active=True)


def agency_users(ticket):
    return User.objects.filter(organization_id=ticket.agency_id, is_active=True) if ticket.agency_id else []


TICKET_WORKFLOW = Workflow(
    states=TicketState,
    event_prefix="ticket",
    transitions=[
        Transition(
            "submit",
            source=[S.DRAFT],
            target=S.SUBMITTED,
            label=_("Submit"),
            allowed=is_applicant,
            notify=agency_users,
            notify_orgs=lambda t: [t.agency_id] if t.agency_id else [],
            opens=[
                Effect(
                    DeadlineSpec("review", 5, label="review"),
                    responsible=lambda t: t.agency,
                    requester=lambda t: t.organization,
                )
            ],
        ),
        Transition(
            "request_info",
            source=[S.SUBMITTED],
            target=S.WAITING,
            label=_("Ask for information"),
            allowed=is_province_official,
            requires=("reason",),
            notify=applicant_users,
            pauses=["review"],
        ),
        Transition(
            "provide_info",
            source=[S.WAITING],
            target=S.SUBMITTED,
            label=_("Provide information"),
            allowed=is_applicant,
            notify=agency_users,
            resumes=["review"],
        ),
        Transition(
            "accept",
            source=[S.SUBMITTED],
            target=S.ACCEPTED,
            label=_("Accept"),
            allowed=is_province_official,
            notify=applicant_users,
            notify_orgs=lambda t: [t.organization_id],
            closes=["review"],
        ),
        Transition(
            "reject",
            source=[S.SUBMITTED],
            target=S.REJECTED,
            label=_("Reject"),
            allowed=is_province_official,
            requires=("reason",),
            notify=applicant_users,
            closes=["review"],
            style="danger",
        ),
    ],
)
