"""A ticket: a record with a state, an applicant organization, the handling agency and a province."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.models import Organization, Region

__all__ = ["TicketState", "Ticket"]


class TicketState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WAITING = "waiting", _("Waiting for information")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Ticket(models.Model):
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(
        _("state"), max_length=16, choices=TicketState.choices, default=TicketState.DRAFT
    )
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="+")
    agency = models.ForeignKey(Organization, models.PROTECT, null=True, blank=True, related_name="+")
    province = models.ForeignKey(Region, models.PROTECT, related_name="+")
    restricted = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("testapp:ticket_detail", args=[self.pk])
