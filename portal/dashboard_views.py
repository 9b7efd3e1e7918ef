"""Pages of the officials' cockpit, its JSON endpoint and Excel exports, the enterprise home page,
and the background export jobs' progress and download."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import dashboard, export_jobs, selectors
from .exceptions import PermissionDenied
from .exports import xlsx_response
from .models import ExportJob, Role
from .permissions import visible

__all__ = [
    "cockpit",
    "cockpit_data",
    "cockpit_export",
    "enterprise_home",
    "export_start",
    "export_detail",
    "export_progress",
    "export_download",
    "build_tables",
]

PROVINCE_NAMES = {
    "110000": gettext_lazy("Beijing"),
    "120000": gettext_lazy("Tianjin"),
    "130000": gettext_lazy("Hebei"),
}
APP_NAMES = {
    "cooperation": gettext_lazy("Joint research"),
    "transfer": gettext_lazy("Technology transfer"),
    "talent": gettext_lazy("Talent recognition"),
    "vouchers": gettext_lazy("Innovation vouchers"),
    "ip_enforcement": gettext_lazy("IP enforcement"),
}
REQUEST_TYPE_NAMES = {
    "credential_verification": gettext_lazy("Credential verification (talent)"),
    "recognition_decision": gettext_lazy("Recognition decision (talent)"),
    "ip_referral": gettext_lazy("Case-clue referral (IP)"),
    "ip_assistance": gettext_lazy("Assistance request (IP)"),
    "voucher_claim": gettext_lazy("Voucher claim review"),
    "joint_approval": gettext_lazy("Joint approval of a project (research)"),
}


def _url(name: str, **params: Any) -> str:
    try:
        base = reverse(name)
    except NoReverseMatch:
        return ""
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(params)}" if params else base


def _name(code: str) -> str:
    return str(PROVINCE_NAMES.get(code, code))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _scope(request) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """(provinces shown, the selector's value, provinces the user may choose). 403 for non-officials."""
    allowed = dashboard.allowed_provinces(request.user)
    if not allowed:
        raise PermissionDenied(_("The cockpit is for officials of the three regions."))
    wanted = request.GET.get("province") or ""
    if wanted == "all" and len(allowed) > 1:
        return allowed, "all", allowed
    if wanted in allowed:
        return (wanted,), wanted, allowed
    if request.user.has_role(Role.PLATFORM_ADMIN) and len(allowed) > 1:
        return allowed, "all", allowed
    return (allowed[0],), allowed[0], allowed


# --------------------------------------------------------------------------- tables (page, JSON, Excel)


def _cell(value: Any, link: str = "") -> dict[str, Any]:
    return {"value": value, "link": link}


def build_tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures as tables: what the page shows under each chart and what the Excel export writes.
    Each cell is {value, link}; the link opens the filtered list behind the figure."""
    provinces = data["provinces"]
    tables: list[dict[str, Any]] = []

    rows = []
    for r in data["deadlines"]:
        link = _url(f"{r['app']}:home") or _url("portal:tasks")
        rows.append(
            [
                _cell(str(APP_NAMES.get(r["app"], r["app"]))),
                _cell(_name(r["province"])),
                _cell(r["open"], link),
                _cell(r["overdue"], link),
            ]
        )
    tables.append(
        {
            "key": "deadlines",
            "title": _("Open and overdue items per app"),
            "columns": [_("App"), _("Region"), _("Open"), _("Overdue")],
            "rows": rows,
        }
    )

    coop = data["cooperation"]
    tables.append(
        {
            "key": "cooperation",
            "title": _("Joint research: programmes, applications and approved projects"),
            "columns": [
                _("Region"),
                _("Programmes"),
                _("Committed budget (yuan)"),
                _("Applications"),
                _("Approved projects"),
                _("Approved funding (yuan)"),
                _("Disbursed (yuan)"),
            ],
            "rows": [
                [
                    _cell(_name(p)),
                    _cell(coop[p]["programmes"], _url("cooperation:programme_list", region=p)),
                    _cell(coop[p]["committed"]),
                    _cell(coop[p]["applications"], _url("cooperation:application_list", region=p)),
                    _cell(coop[p]["projects"], _url("cooperation:project_list", region=p)),
                    _cell(coop[p]["approved_funding"], _url("cooperation:project_list", region=p)),
                    _cell(coop[p]["disbursed"]),
                ]
                for p in provinces
            ],
        }
    )

    tr = data["transfer"]
    tables.append(
        {
            "key": "transfer",
            "title": _("Technology transfer: listings, matches and deals"),
            "columns": [
                _("Region"),
                _("Supply listings"),
                _("Demand listings"),
                _("Matches"),
                _("Matches ending in a deal"),
                _("Deals"),
                _("Deals within the three regions"),
                _("Share within the three regions"),
                _("Contract amount (yuan)"),
            ],
            "rows": [
                [
                    _cell(_name(p)),
                    _cell(tr[p]["supply"], _url("transfer:home", region=p, kind="supply")),
                    _cell(tr[p]["demand"], _url("transfer:home", region=p, kind="demand")),
                    _cell(tr[p]["matches"], _url("transfer:matching_lists")),
                    _cell(tr[p]["matched_deals"], _url("transfer:matching_lists")),
                    _cell(tr[p]["deals"], _url("transfer:deal_list", seller_province=p)),
                    _cell(
                        tr[p]["deals_within"],
                        _url("transfer:deal_list", seller_province=p, within_region="true"),
                    ),
                    _cell(_pct(tr[p]["share_within"])),
                    _cell(tr[p]["deal_amount"]),
                ]
                for p in provinces
            ],
        }
    )

    ta = data["talent"]
    tables.append(
        {
            "key": "talent",
            "title": _("Talent: recognition requests and time to decision"),
            "columns": [
                _("Host region"),
                _("Requests"),
                _("Recognized"),
                _("Refused"),
                _("Pending"),
                _("Median days to decision"),
            ],
            "rows": [
                [
                    _cell(_name(p)),
                    _cell(ta[p]["requests"], _url("talent:request_list", host_region=p)),
                    _cell(
                        ta[p]["recognized"], _url("talent:request_list", host_region=p, state="recognized")
                    ),
                    _cell(ta[p]["refused"], _url("talent:request_list", host_region=p, state="refused")),
                    _cell(ta[p]["pending"], _url("talent:request_list", host_region=p)),
                    _cell(
                        "—" if ta[p]["median_days_to_decision"] is None else ta[p]["median_days_to_decision"]
                    ),
                ]
                for p in provinces
            ],
        }
    )

    vo = data["vouchers"]["regions"]
    tables.append(
        {
            "key": "vouchers",
            "title": _("Innovation vouchers: budget used"),
            "columns": [
                _("Issuing region"),
                _("Programmes"),
                _("Budget (yuan)"),
                _("Issued (yuan)"),
                _("Budget used"),
                _("Vouchers"),
                _("Redeemed (yuan)"),
            ],
            "rows": [
                [
                    _cell(_name(p)),
                    _cell(vo[p]["programmes"], _url("vouchers:programmes", region=p)),
                    _cell(vo[p]["budget"]),
                    _cell(vo[p]["issued"]),
                    _cell(_pct(vo[p]["used_share"])),
                    _cell(vo[p]["vouchers"], _url("vouchers:vouchers")),
                    _cell(vo[p]["redeemed"], _url("vouchers:claims", issuing_region=p, state="approved")),
                ]
                for p in provinces
            ],
        }
    )

    tables.append(
        {
            "key": "voucher_flow",
            "title": _("Voucher money between regions (approved claims)"),
            "columns": [_("Issued in"), _("Spent at providers in"), _("Claims"), _("Amount (yuan)")],
            "rows": [
                [
                    _cell(_name(f["from"])),
                    _cell(_name(f["to"])),
                    _cell(
                        f["claims"],
                        _url("vouchers:claims", issuing_region=f["from"], provider_region=f["to"]),
                    ),
                    _cell(f["amount"]),
                ]
                for f in data["vouchers"]["flow"]
            ],
        }
    )

    tables.append(
        {
            "key": "referrals",
            "title": _("Case-clue referrals between regions"),
            "columns": [_("From"), _("To"), _("Referrals"), _("Case opened"), _("Concluded")],
            "rows": [
                [
                    _cell(_name(r["from"])),
                    _cell(_name(r["to"])),
                    _cell(
                        r["referrals"],
                        _url("ip_enforcement:referral_list", from_province=r["from"], to_province=r["to"]),
                    ),
                    _cell(r["accepted"]),
                    _cell(r["concluded"]),
                ]
                for r in data["referrals"]
            ],
        }
    )

    score_links = {
        "credential_verification": lambda p: _url("talent:request_list", issuing_region=p),
        "recognition_decision": lambda p: _url("talent:request_list", host_region=p),
        "ip_referral": lambda p: _url("ip_enforcement:referral_list", to_province=p),
        "ip_assistance": lambda p: _url("ip_enforcement:assistance_list", to_province=p),
        "voucher_claim": lambda p: _url("vouchers:claims", issuing_region=p),
        "joint_approval": lambda p: _url("cooperation:application_list", region=p),
    }
    tables.append(
        {
            "key": "scoreboard",
            "title": _("Scoreboard of cross-region requests (IMI style)"),
            "columns": [
                _("Request type"),
                _("Responsible region"),
                _("Requests"),
                _("Accepted within 7 days"),
                _("Accepted by the due date"),
                _("Average days to answer"),
                _("Answered by the due date"),
                _("Overdue now"),
            ],
            "rows": [
                [
                    _cell(str(REQUEST_TYPE_NAMES.get(s["type"], s["type"]))),
                    _cell(_name(s["province"])),
                    _cell(s["requests"], score_links[s["type"]](s["province"])),
                    _cell(_pct(s["accepted_7d_share"])),
                    _cell(_pct(s["accepted_on_time_share"])),
                    _cell("—" if s["avg_days_to_answer"] is None else s["avg_days_to_answer"]),
                    _cell(_pct(s["answered_on_time_share"])),
                    _cell(s["overdue"]),
                ]
                for s in data["scoreboard"]
            ],
        }
    )
    return tables


def _labels() -> dict[str, Any]:
    return {
        "provinces": {k: str(v) for k, v in PROVINCE_NAMES.items()},
        "apps": {k: str(v) for k, v in APP_NAMES.items()},
        "request_types": {k: str(v) for k, v in REQUEST_TYPE_NAMES.items()},
        "open": _("Open"),
        "overdue": _("Overdue"),
        "applications": _("Applications"),
        "projects": _("Approved projects"),
        "funding": _("Approved funding (yuan)"),
        "deals_within": _("Deals within the three regions"),
        "deals_outside": _("Deals with buyers elsewhere"),
        "requests": _("Requests"),
        "median_days": _("Median days to decision"),
        "budget": _("Budget (yuan)"),
        "issued": _("Issued (yuan)"),
        "redeemed": _("Redeemed (yuan)"),
        "referrals": _("Referrals"),
        "accepted_7d": _("Accepted within 7 days"),
        "answered_on_time": _("Answered by the due date"),
    }


# --------------------------------------------------------------------------- cockpit views


@login_required
def cockpit(request):
    provinces, selected, allowed = _scope(request)
    data = dashboard.figures(provinces)
    choices = [(p, _name(p)) for p in allowed]
    if len(allowed) > 1:
        choices.append(("all", _("All three regions")))
    return render(
        request,
        "dashboard/cockpit.html",
        {
            "tables": build_tables(data),
            "data_url": _url("dashboard:data", province=selected),
            "selected": selected,
            "choices": choices,
            "generated_at": data["generated_at"],
            "export_keys": export_jobs.choices_for(request.user),
        },
    )


@login_required
def cockpit_data(request):
    """The figures as JSON, for the charts (and partner dashboards)."""
    provinces, selected, _allowed = _scope(request)
    data = dashboard.figures(provinces)
    tables = build_tables(data)
    return JsonResponse(
        {
            "scope": selected,
            "figures": data,
            "labels": _labels(),
            "tables": tables,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
def cockpit_export(request, table: str):
    """One of the cockpit's tables as .xlsx (the numbers of the page, with the region chosen)."""
    provinces, selected, _allowed = _scope(request)
    tables = {t["key"]: t for t in build_tables(dashboard.figures(provinces))}
    if table not in tables:
        raise Http404
    t = tables[table]
    columns = [(str(h), (lambda row, i=i: row[i]["value"])) for i, h in enumerate(t["columns"])]
    return xlsx_response(f"cockpit-{table}-{selected}", columns, t["rows"], actor=request.user)


# --------------------------------------------------------------------------- the enterprise's home


@login_required
def enterprise_home(request):
    """An enterprise's (or provider's, or university's) page: my applications, vouchers, listings, and
    what awaits my action. Every list goes through the owner app's policy (``visible``)."""
    from cooperation.models import Application as JointApplication
    from transfer.models import Listing
    from vouchers.models import Application as VoucherApplication
    from vouchers.models import Voucher

    user = request.user
    org_id = user.organization_id
    if org_id is None:
        raise PermissionDenied(_("Your account belongs to no organization."))
    joint = (
        visible(
            user,
            JointApplication.objects.filter(participants__organization_id=org_id).distinct(),
        )
        .select_related("programme")
        .order_by("-updated_at")[:20]
    )
    voucher_apps = (
        visible(user, VoucherApplication.objects.filter(applicant_id=org_id))
        .select_related("programme")
        .order_by("-created_at")[:20]
    )
    vouchers = (
        visible(user, Voucher.objects.filter(holder_id=org_id))
        .select_related("programme")
        .order_by("-created_at")[:20]
    )
    listings = visible(user, Listing.objects.filter(owner_id=org_id)).order_by("-updated_at")[:20]
    tasks = selectors.task_list(user=user)[:20]
    return render(
        request,
        "dashboard/enterprise_home.html",
        {
            "joint_applications": list(joint),
            "voucher_applications": list(voucher_apps),
            "vouchers": list(vouchers),
            "listings": list(listings),
            "tasks": list(tasks),
        },
    )


# --------------------------------------------------------------------------- background exports


@login_required
@require_POST
def export_start(request):
    """Start a background export of a list, with the filters given (the list's own query string)."""
    key = request.POST.get("export_key", "")
    params = {k: v for k, v in request.POST.items() if k not in ("export_key", "csrfmiddlewaretoken")}
    job = export_jobs.start(user=request.user, export_key=key, params=params)
    return redirect("dashboard:export_detail", pk=job.pk)


def _job(request, pk: int) -> ExportJob:
    return get_object_or_404(visible(request.user, ExportJob.objects.all()), pk=pk)


@login_required
def export_detail(request, pk: int):
    return render(request, "dashboard/export_detail.html", {"job": _job(request, pk)})


@login_required
def export_progress(request, pk: int):
    """The progress bar alone (htmx polls it until the job is done or failed)."""
    return render(request, "dashboard/_export_progress.html", {"job": _job(request, pk)})


@login_required
def export_download(request, pk: int):
    job = _job(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=f"{job.export_key}-{job.pk}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
