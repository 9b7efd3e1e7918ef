from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.attachments import attachments_of
from portal.exceptions import TransitionNotAllowed, ValidationError
from portal.permissions import visible

from .api import TicketViewSet
from .models import Ticket
from .workflows import TICKET_WORKFLOW


@login_required
def ticket_list(request):
    tickets = visible(request.user, Ticket.objects.select_related("organization"))
    return render(request, "testapp/ticket_list.html", {"tickets": tickets})


@login_required
def ticket_detail(request, pk: int):
    ticket = get_object_or_404(visible(request.user, Ticket.objects.all()), pk=pk)
    return render(
        request,
        "testapp/ticket_detail.html",
        {
            "ticket": ticket,
            "transitions": TICKET_WORKFLOW.available(ticket, request.user),
            "attachments": attachments_of(ticket),
        },
    )


@login_required
@require_POST
def ticket_transition(request, pk: int):
    """The page form of a workflow step (includes/transitions.html posts here)."""
    ticket = get_object_or_404(visible(request.user, Ticket.objects.all()), pk=pk)
    name = request.POST.get("do", "")
    service = TicketViewSet.transition_services.get(name)
    if service is None:
        raise Http404
    try:
        service(ticket, actor=request.user, reason=request.POST.get("reason", ""))
    except (ValidationError, TransitionNotAllowed) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    return redirect(ticket.get_absolute_url())
