"""Large exports as background jobs: the list's rows (scoped to the user by the owner app's policy, with
the list's filters applied) written to .xlsx by a Celery worker, with progress the page polls and an
inbox notification with the download link when done. Small exports stay synchronous
(``portal.exports.xlsx_response``)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit, outbox
from .exceptions import ValidationError
from .exports import Column, write_xlsx
from .models import Deadline, ExportJob, User
from .permissions import visible

__all__ = ["ExportSpec", "EXPORTS", "register_export", "choices_for", "start", "run", "rows_for"]


@dataclass(frozen=True)
class ExportSpec:
    key: str
    label: Any
    queryset: Callable[[User], QuerySet]  # the user's visible rows, with select_related for the columns
    columns: Callable[[], Sequence[Column]]
    filterset: Callable[[], type] | None = None  # the list page's FilterSet, applied to the params


EXPORTS: dict[str, ExportSpec] = {}


def register_export(spec: ExportSpec) -> ExportSpec:
    EXPORTS[spec.key] = spec
    return spec


def choices_for(user: User) -> list[tuple[str, str]]:
    return [(k, str(s.label)) for k, s in EXPORTS.items()]


def rows_for(spec: ExportSpec, user: User, params: dict[str, Any]) -> QuerySet:
    qs = spec.queryset(user)
    if spec.filterset is not None and params:
        fs = spec.filterset()(params, queryset=qs, request=SimpleNamespace(user=user))
        qs = fs.qs
    return qs


def start(*, user: User, export_key: str, params: dict[str, Any] | None = None) -> ExportJob:
    """Record the job and hand it to the worker after commit."""
    if export_key not in EXPORTS:
        raise ValidationError({"export_key": _("Unknown export.")})
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=user, name=str(EXPORTS[export_key].label)[:100], export_key=export_key, params=params or {}
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .export_tasks import run_export_job

    run_export_job.delay(job_id)


def run(job_id: int) -> None:
    """Write the export of one job (the Celery task's body). Progress is saved every 500 rows."""
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.DONE:
        return
    spec = EXPORTS.get(job.export_key)
    try:
        if spec is None:
            raise LookupError(f"unknown export {job.export_key}")
        qs = rows_for(spec, job.user, job.params)
        total = qs.count()
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.RUNNING, total=total, done=0, error=""
        )

        def progress(n: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(done=n)

        with tempfile.NamedTemporaryFile(suffix=".xlsx") as fh:
            count = write_xlsx(
                fh, spec.columns(), qs.iterator(chunk_size=2000), title=job.export_key, progress=progress
            )
            fh.seek(0)
            job.refresh_from_db()
            job.file.save(f"{job.export_key}-{job.pk}.xlsx", File(fh), save=False)
        with transaction.atomic():
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportJob.Status.DONE,
                done=count,
                total=max(total, count),
                file=job.file.name,
                finished_at=timezone.now(),
            )
            job.refresh_from_db()
            audit.record(
                audit.AuditAction.EXPORT,
                None,
                actor=job.user,
                message=f"{job.export_key}: {count} rows (background) {job.params}"[:500],
            )
            outbox.emit(
                "export.done",
                obj=job,
                title=_("Your export “%(name)s” is ready (%(count)s rows)")
                % {"name": job.name, "count": count},
                link=reverse("dashboard:export_download", args=[job.pk]),
                recipients=[job.user],
            )
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise


# --------------------------------------------------------------------------- the lists that export


def _deadline_columns() -> list[Column]:
    return [
        (_("What is due"), lambda d: d.label),
        (_("App"), lambda d: d.content_type.app_label),
        (_("Step"), lambda d: d.kind),
        (_("Started"), lambda d: d.started_at),
        (_("Due"), lambda d: d.due_at),
        (_("Status"), lambda d: d.get_status_display()),
        (_("Closed"), lambda d: d.closed_at),
        (_("Responsible region"), lambda d: d.responsible_region_id or ""),
        (_("Responsible organization"), lambda d: d.responsible_organization or ""),
    ]


register_export(
    ExportSpec(
        key="portal.deadlines",
        label=gettext_lazy("Deadlines I can see"),
        queryset=lambda user: (
            visible(user, Deadline.objects.all())
            .select_related("content_type", "responsible_organization")
            .order_by("due_at", "pk")
        ),
        columns=_deadline_columns,
    )
)


def _claims_qs(user: User) -> QuerySet:
    from vouchers.models import Claim

    return (
        visible(user, Claim.objects.all())
        .select_related("voucher__holder", "provider__organization", "service")
        .order_by("pk")
    )


def _claim_columns() -> list[Column]:
    return [
        (_("Claim"), lambda c: c.pk),
        (_("Voucher"), lambda c: c.voucher.code),
        (_("Enterprise"), lambda c: c.voucher.holder.name),
        (_("Provider"), lambda c: c.provider.organization.name),
        (_("Service"), lambda c: c.service.name),
        (_("Issuing region"), lambda c: c.issuing_region_id),
        (_("Provider region"), lambda c: c.provider_region_id),
        (_("Amount (yuan)"), lambda c: str(c.amount)),
        (_("State"), lambda c: c.get_state_display()),
        (_("Filed"), lambda c: c.filed_at),
        (_("Decided"), lambda c: c.decided_at),
    ]


def _claim_filterset():
    from vouchers.filters import ClaimFilterSet

    return ClaimFilterSet


register_export(
    ExportSpec(
        key="vouchers.claims",
        label=gettext_lazy("Voucher claims"),
        queryset=_claims_qs,
        columns=_claim_columns,
        filterset=_claim_filterset,
    )
)


def _deals_qs(user: User) -> QuerySet:
    from transfer.models import Deal

    return visible(user, Deal.objects.all()).select_related("seller").order_by("pk")


def _deal_columns() -> list[Column]:
    return [
        (_("Registration number"), lambda d: d.registration_number),
        (_("Title"), lambda d: d.title),
        (_("Seller"), lambda d: d.seller.name),
        (_("Seller region"), lambda d: d.seller_province_id),
        (_("Buyer"), lambda d: d.buyer_name),
        (_("Buyer region"), lambda d: d.buyer_province_id or ""),
        (_("Within the three regions"), lambda d: _("yes") if d.within_region else _("no")),
        (_("Contract amount (yuan)"), lambda d: str(d.contract_amount)),
    ]


def _deal_filterset():
    from transfer.filters import DealFilterSet

    return DealFilterSet


register_export(
    ExportSpec(
        key="transfer.deals",
        label=gettext_lazy("Technology deals"),
        queryset=_deals_qs,
        columns=_deal_columns,
        filterset=_deal_filterset,
    )
)


def _referrals_qs(user: User) -> QuerySet:
    from ip_enforcement.models import Referral

    return (
        visible(user, Referral.objects.all())
        .select_related("from_agency", "to_agency", "case")
        .order_by("pk")
    )


def _referral_columns() -> list[Column]:
    return [
        (_("Referral number"), lambda r: r.number),
        (_("Case"), lambda r: r.case.number),
        (_("From"), lambda r: r.from_agency.name),
        (_("To"), lambda r: r.to_agency.name),
        (_("From region"), lambda r: r.from_province_id),
        (_("To region"), lambda r: r.to_province_id),
        (_("State"), lambda r: r.get_state_display()),
        (_("Sent"), lambda r: r.created_at),
    ]


def _referral_filterset():
    from ip_enforcement.filters import ReferralFilterSet

    return ReferralFilterSet


register_export(
    ExportSpec(
        key="ip_enforcement.referrals",
        label=gettext_lazy("Case-clue referrals"),
        queryset=_referrals_qs,
        columns=_referral_columns,
        filterset=_referral_filterset,
    )
)
