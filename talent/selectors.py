"""Reads of the talent app, scoped to the user (portal.permissions.visible) and prefetched for what
the pages and the API show, so a list costs a fixed number of queries."""

from __future__ import annotations

from django.db.models import CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from portal.models import Deadline, Organization, Region, User
from portal.permissions import visible
from portal.selectors import as_rows, lookup

from .models import (
    Appointment,
    Certificate,
    Credential,
    Person,
    RecognitionRequest,
    RegistryEntry,
    RegistryImport,
    TitleSeries,
)

__all__ = [
    "request_list",
    "request_rows",
    "REQUEST_ROW_COLUMNS",
    "REQUEST_ROW_NAMES",
    "REQUEST_PAGE_NAMES",
    "REQUEST_EXPORT_NAMES",
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


# What a list shows of a request: its own columns, and the holder's, credential's, agencies' and
# certificate's values as columns of the same query (portal.selectors.as_rows; the ID number masked
# only). The API list joins the holder and credential (each row's own; it pages by cursor, no count)
# and looks up the rest (shared rows, or at most one); the page looks up every name (below). The API
# list and the page (with its Excel export) show different values, so each reads its own.
REQUEST_ROW_COLUMNS = (
    "id",
    "reference",
    "state",
    "host_region",
    "issuing_region",
    "host_agency",
    "issuing_agency",
    "registry_entry",
    "verification_note",
    "decision_reason",
    "tacit",
    "created_at",
    "updated_at",
)
REQUEST_ROW_NAMES = {  # the API list (RecognitionRequestRowSerializer)
    "person_name": "person__name",
    "person_id_number_masked": "person__id_number_masked",
    "person_contact": "person__contact",
    "credential_kind": "credential__kind",
    "credential_series_code": lookup(TitleSeries, "code", pk="credential__series"),
    "credential_level": "credential__level",
    "credential_name": "credential__name",
    "credential_specialty": "credential__specialty",
    "credential_issuing_authority": "credential__issuing_authority",
    "credential_certificate_number": "credential__certificate_number",
    "credential_issued_on": "credential__issued_on",
    "host_agency_name": lookup(Organization, "name", pk="host_agency"),
    "issuing_agency_name": lookup(Organization, "name", pk="issuing_agency"),
    "certificate_code": lookup(Certificate, "code", request="pk"),
}
# The page's names are looked up, none joined: the page counts its first thousand rows, and a join
# kept in that count (the holder's, the credential's) made the planner walk both tables (2–3 ms
# against 0.3; bench, issue 10). Four index probes per row of fifty cost less.
REQUEST_PAGE_NAMES = {  # the page (talent/request_list.html, views.request_list); its export below
    "person_name": lookup(Person, "name", pk="person"),
    "person_id_number_masked": lookup(Person, "id_number_masked", pk="person"),
    "credential_name": lookup(Credential, "name", pk="credential"),
    "credential_series_name": lookup(Credential, "series__name", pk="credential"),
    "credential_certificate_number": lookup(Credential, "certificate_number", pk="credential"),
    "host_region_name": lookup(Region, "name", pk="host_region"),
    "issuing_region_name": lookup(Region, "name", pk="issuing_region"),
}
REQUEST_EXPORT_NAMES = {  # the same values, the holder's and credential's joined (request_rows)
    **REQUEST_PAGE_NAMES,
    "person_name": "person__name",
    "person_id_number_masked": "person__id_number_masked",
    "credential_name": "credential__name",
    "credential_series_name": lookup(TitleSeries, "name", pk="credential__series"),
    "credential_certificate_number": "credential__certificate_number",
}


def request_rows(*, user: User, page: bool = False, export: bool = False) -> QuerySet[RecognitionRequest]:
    """Requests for a list: REQUEST_ROW_COLUMNS and the values the API list shows (REQUEST_ROW_NAMES)
    or the page and its export (``page``: REQUEST_PAGE_NAMES), one model instance per row (not five,
    with two queries for the agencies; bench, issue 10). The export (``export``) reads the page's
    values with the holder and credential joined: it counts nothing, and reads every row, where a
    lookup per name per row cost more (12,581 rows: 0.17 s joined, 0.52 s looked up)."""
    names = REQUEST_EXPORT_NAMES if export else REQUEST_PAGE_NAMES if page else REQUEST_ROW_NAMES
    return as_rows(request_list(user=user), columns=REQUEST_ROW_COLUMNS, names=names)


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
