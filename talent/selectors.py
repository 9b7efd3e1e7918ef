"""Reads of the talent app, scoped to the user (portal.permissions.visible) and prefetched for what
the pages and the API show, so a list costs a fixed number of queries."""

from __future__ import annotations

from django.db.models import CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from portal.models import Deadline, User
from portal.permissions import visible

from .models import Appointment, Certificate, RecognitionRequest, RegistryEntry, RegistryImport

__all__ = [
    "request_list",
    "request_rows",
    "REQUEST_ROW_COLUMNS",
    "certificate_list",
    "appointment_list",
    "registry_entry_list",
    "registry_import_list",
    "open_deadlines_of",
]


def _next_due() -> Subquery:
    return Subquery(
        Deadline.objects.filter(
            content_type__app_label="talent",
            content_type__model="recognitionrequest",
            object_id=Cast(OuterRef("pk"), CharField()),
            status=Deadline.Status.OPEN,
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )


def request_list(*, user: User) -> QuerySet[RecognitionRequest]:
    # Joined: what each row needs of its own. Prefetched (one small query each): the regions and
    # agencies, shared by many rows. With all nine joined, PostgreSQL spent 14 ms planning the list
    # query against 0.5 ms running it (bench, issue 10).
    qs = (
        RecognitionRequest.objects.select_related("person", "credential__series", "certificate")
        .prefetch_related("host_region", "issuing_region", "host_agency", "issuing_agency")
        .annotate(next_due=_next_due())
    )
    return visible(user, qs)


# What a list shows of a request (the API list, the page and its Excel export): the ID number masked only.
REQUEST_ROW_COLUMNS = (
    "id",
    "reference",
    "state",
    "person__name",
    "person__id_number_masked",
    "person__contact",
    "credential__kind",
    "credential__series__code",
    "credential__series__name",
    "credential__level",
    "credential__name",
    "credential__specialty",
    "credential__issuing_authority",
    "credential__certificate_number",
    "credential__issued_on",
    "host_region",
    "issuing_region",
    "host_agency",
    "issuing_agency",
    "registry_entry",
    "verification_note",
    "decision_reason",
    "tacit",
    "certificate__code",
    "created_at",
    "updated_at",
)


def request_rows(*, user: User, region_names: bool = False) -> QuerySet[RecognitionRequest]:
    """Requests for a list: the columns of REQUEST_ROW_COLUMNS (not the whole holder, credential and
    certificate rows, whose timestamps and texts were most of what a list loaded; bench, issue 10),
    the agencies prefetched, and the regions too where their names are shown (the API shows codes)."""
    regions = ("host_region", "issuing_region") if region_names else ()
    return (
        request_list(user=user)
        .prefetch_related(None)
        .prefetch_related("host_agency", "issuing_agency", *regions)
        .only(*REQUEST_ROW_COLUMNS)
    )


def certificate_list(*, user: User) -> QuerySet[Certificate]:
    return visible(
        user,
        Certificate.objects.select_related(
            "request__person",
            "request__credential__series",
            "request__host_region",
            "request__issuing_region",
        ),
    )


def appointment_list(*, user: User) -> QuerySet[Appointment]:
    return visible(
        user,
        Appointment.objects.select_related(
            "person", "home_organization", "host_organization", "home_region", "host_region"
        ),
    )


def registry_entry_list(*, user: User) -> QuerySet[RegistryEntry]:
    return visible(user, RegistryEntry.objects.select_related("region", "series"))


def registry_import_list(*, user: User) -> QuerySet[RegistryImport]:
    return visible(user, RegistryImport.objects.select_related("region", "uploaded_by"))


def open_deadlines_of(req: RecognitionRequest) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        content_type__app_label="talent",
        content_type__model="recognitionrequest",
        object_id=str(req.pk),
        status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED],
    ).order_by("due_at")
