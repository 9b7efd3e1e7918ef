"""The baseline each list endpoint is held against: a minimal Django view returning the same rows
(same model, same user and scope through ``portal.permissions.visible``, same order, same page size) with ``.values()`` as JSON. No DRF, no
serializer, no pagination object: the cost floor of serving those rows from this stack."""

from __future__ import annotations

from django.apps import apps
from django.http import Http404, JsonResponse

from portal.permissions import visible

__all__ = ["BASELINES", "baseline_list"]

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
    qs = visible(request.user, model.objects.all()).order_by("-id").values(*columns)[:size]
    return JsonResponse({"results": list(qs)})
