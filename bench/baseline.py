"""The baseline each list endpoint is held against: a minimal Django view returning the same rows
(same model, same user and scope through ``portal.permissions.visible``, same order, same page size) with ``.values()`` as JSON. No DRF, no
serializer, no pagination object: the cost floor of serving those rows from this stack.

Where the list shows each row's children (a cooperation application's participants and regional
decisions), the baseline serves them too, read with one ``.values()`` query per kind for the page's
rows, as the API's prefetch does: held against the rows alone, the list was charged for content the
baseline never served."""

from __future__ import annotations

from django.apps import apps
from django.http import Http404, JsonResponse

from portal.permissions import visible

__all__ = ["BASELINES", "CHILDREN", "baseline_list"]

# name → (model label, columns): the scalar columns and related names the API list shows.
BASELINES: dict[str, tuple[str, list[str]]] = {
    "transfer_listings": (
        "transfer.Listing",
        [
            "id",
            "kind",
            "result_type",
            "title",
            "summary",
            "field",
            "trl",
            "ip_refs",
            "transfer_mode",
            "price",
            "negotiable",
            "owner_id",
            "owner__name",
            "region_id",
            "region__name",
            "base_id",
            "expires_on",
            "state",
            "published_at",
        ],
    ),
    "cooperation_applications": (
        "cooperation.Application",
        [
            "id",
            "programme_id",
            "programme__title",
            "topic_id",
            "topic__title",
            "title",
            "lead_organization_id",
            "lead_organization__name",
            "state",
            "submitted_at",
            "decided_at",
            "created_at",
            "updated_at",
        ],
    ),
    "talent_requests": (
        "talent.RecognitionRequest",
        [
            "id",
            "reference",
            "state",
            "person__name",
            "credential__name",
            "credential__certificate_number",
            "host_region_id",
            "issuing_region_id",
            "host_agency__name",
            "issuing_agency__name",
            "verification_note",
            "decision_reason",
            "tacit",
            "created_at",
            "updated_at",
        ],
    ),
    "vouchers_vouchers": (
        "vouchers.Voucher",
        [
            "id",
            "code",
            "programme_id",
            "programme__name",
            "holder_id",
            "holder__name",
            "amount",
            "reserved",
            "redeemed",
            "returned",
            "expires_on",
            "state",
            "created_at",
        ],
    ),
    "ip_referrals": (
        "ip_enforcement.Referral",
        [
            "id",
            "number",
            "case_id",
            "case__number",
            "from_agency_id",
            "from_agency__name",
            "to_agency_id",
            "to_agency__name",
            "from_province_id",
            "to_province_id",
            "state",
            "received_case_number",
            "outcome",
            "created_at",
            "updated_at",
        ],
    ),
}


# name → the children each row carries: (key in the row, model label, foreign key to the row, columns).
CHILDREN: dict[str, list[tuple[str, str, str, list[str]]]] = {
    "cooperation_applications": [
        (
            "participants",
            "cooperation.Participant",
            "application_id",
            [
                "application_id",
                "organization_id",
                "organization__name",
                "province_id",
                "is_lead",
                "principal_investigator",
                "budget",
            ],
        ),
        (
            "decisions",
            "cooperation.RegionDecision",
            "application_id",
            ["application_id", "region_id", "approved", "reason", "decided_at"],
        ),
    ],
}


def baseline_list(request, name: str):
    try:
        label, columns = BASELINES[name]
    except KeyError:
        raise Http404 from None
    try:
        size = max(1, min(200, int(request.GET.get("page_size", 50))))
    except ValueError:
        size = 50
    model = apps.get_model(label)
    rows = list(visible(request.user, model.objects.all()).order_by("-id").values(*columns)[:size])
    for key, child_label, fk, child_columns in CHILDREN.get(name, ()):
        by_row: dict[int, list[dict]] = {row["id"]: [] for row in rows}
        for child in (
            apps.get_model(child_label)
            .objects.filter(**{f"{fk}__in": list(by_row)})
            .order_by("id")
            .values(*child_columns)
        ):
            by_row[child[fk]].append(child)
        for row in rows:
            row[key] = by_row[row["id"]]
    return JsonResponse({"results": rows})
