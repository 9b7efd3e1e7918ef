"""Pages of this app: thin views over the selectors, filters and services."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from portal.deadlines import open_deadlines_for
from portal.exceptions import ValidationError
from portal.exports import xlsx_response
from portal.models import PROVINCE_CODES, Organization, Region, StateChange, content_type_for
from portal.pages import form_status, posted_step, run_service
from portal.permissions import can
from portal.views import paginate, suggestion_options, table

from . import selectors, services
from .filters import (
    ApplicationFilterSet,
    BatchFilterSet,
    ClaimFilterSet,
    ProgrammeFilterSet,
    ProviderFilterSet,
    ServiceFilterSet,
    VoucherFilterSet,
)
from .forms import (
    ApplyForm,
    BatchForm,
    BookForm,
    BudgetForm,
    CloseForm,
    ConfirmForm,
    FileClaimForm,
    ProgrammeForm,
    ServiceEditForm,
    ServiceForm,
)
from .models import Provider
from .permissions import is_enterprise, is_provider_member
from .workflows import (
    APPLICATION_WORKFLOW,
    BATCH_WORKFLOW,
    CLAIM_WORKFLOW,
    PROVIDER_WORKFLOW,
    VOUCHER_WORKFLOW,
)

# --------------------------------------------------------------------------- columns (pages and Excel)


def _money(v):
    return f"{v:,.2f}" if v is not None else ""


PROGRAMME_COLUMNS = [
    (pgettext_lazy("voucher", "Programme"), lambda p: p.name),
    (pgettext_lazy("voucher", "Issuing region"), lambda p: p.region.name),
    (_("Year"), lambda p: p.year),
    (_("Budget (yuan)"), lambda p: p.total_budget),
    (_("Issued (yuan)"), lambda p: p.issued_total),
    (_("Cap per enterprise"), lambda p: p.cap_per_enterprise),
    (_("Subsidy ratio"), lambda p: f"{p.subsidy_ratio * 100:.0f}%"),
    (_("Valid until"), lambda p: p.valid_until),
]
PROVIDER_COLUMNS = [
    (_("Provider"), lambda p: p.organization.name),
    (_("Region"), lambda p: p.province.name),
    (_("Services"), lambda p: p.service_count),
    (_("State"), lambda p: p.get_state_display()),
]
SERVICE_COLUMNS = [
    (_("Service number"), lambda s: s.pk),  # what a voucher's booking box takes
    (_("Service or instrument"), lambda s: s.name),
    (_("Model"), lambda s: s.model_number),
    (_("Category"), lambda s: s.get_category_display()),
    (_("Unit price (yuan)"), lambda s: s.unit_price),
    (_("Unit"), lambda s: s.unit),
    (_("Provider"), lambda s: s.provider.organization.name),
    (_("Region"), lambda s: s.provider.province.name),
]
APPLICATION_COLUMNS = [
    (pgettext_lazy("voucher", "Application"), lambda a: a.pk),
    (pgettext_lazy("voucher", "Programme"), lambda a: a.programme.name),
    (_("Applicant"), lambda a: a.applicant.name),
    (_("Amount (yuan)"), lambda a: a.amount),
    (_("State"), lambda a: a.get_state_display()),
    (_("Submitted"), lambda a: a.created_at),
]
VOUCHER_COLUMNS = [
    (_("Code"), lambda v: v.code),
    (pgettext_lazy("voucher", "Programme"), lambda v: v.programme.name),
    (pgettext_lazy("voucher", "Holder"), lambda v: v.holder.name),
    (_("Amount (yuan)"), lambda v: v.amount),
    (_("Reserved"), lambda v: v.reserved),
    (_("Redeemed"), lambda v: v.redeemed),
    (_("Balance"), lambda v: v.balance),
    (_("Expires on"), lambda v: v.expires_on),
    (_("State"), lambda v: v.get_state_display()),
]
CLAIM_COLUMNS = [
    (_("Claim"), lambda c: c.pk),
    (_("Voucher"), lambda c: c.voucher.code),
    (pgettext_lazy("voucher", "Holder"), lambda c: c.voucher.holder.name),
    (_("Service"), lambda c: c.service.name),
    (_("Provider"), lambda c: c.provider.organization.name),
    (pgettext_lazy("voucher", "Issuing region"), lambda c: c.issuing_region.name),
    (_("Provider region"), lambda c: c.provider_region.name),
    (_("Price (yuan)"), lambda c: c.price),
    (_("Claimed (yuan)"), lambda c: c.amount),
    (_("State"), lambda c: c.get_state_display()),
    (_("Review due"), lambda c: c.review_due),
]
# a settlement batch in Excel: one row per claim, amounts as numbers so the sheet sums them
BATCH_EXPORT_COLUMNS = [
    (_("Batch"), lambda c: c.batch_id),
    (_("Claim"), lambda c: c.pk),
    (_("Voucher"), lambda c: c.voucher.code),
    (pgettext_lazy("voucher", "Holder"), lambda c: c.voucher.holder.name),
    (_("Service"), lambda c: c.service.name),
    (_("Provider"), lambda c: c.provider.organization.name),
    (pgettext_lazy("voucher", "Issuing region"), lambda c: c.issuing_region.name),
    (_("Provider region"), lambda c: c.provider_region.name),
    (_("Price (yuan)"), lambda c: float(c.price)),
    (_("Claimed (yuan)"), lambda c: float(c.amount)),
    (_("State"), lambda c: c.get_state_display()),
    (_("Decided"), lambda c: c.decided_at),
]

BATCH_COLUMNS = [
    (_("Batch"), lambda b: b.pk),
    (pgettext_lazy("voucher", "Issuing region"), lambda b: b.issuing_region.name),
    (_("Provider"), lambda b: b.provider.organization.name),
    (_("Claims"), lambda b: b.claim_count),
    (_("Total (yuan)"), lambda b: b.total),
    (_("State"), lambda b: b.get_state_display()),
    (_("Paid"), lambda b: b.paid_at),
]


def _list(
    request,
    *,
    title: str,
    queryset,
    filterset_class,
    columns: list[tuple[str, Callable]],
    export_name: str,
    actions: list[tuple[str, str]] | None = None,
    intro: str = "",
    form=None,
    form_title: str = "",
):
    filterset = filterset_class(request.GET or None, queryset=queryset)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            export_name,
            columns,
            qs.iterator(chunk_size=500),
            actor=request.user,
            description=request.GET.urlencode(),
        )
    page = paginate(request, qs)
    return render(
        request,
        "vouchers/list.html",
        {
            **table(columns, page.object_list),
            "title": title,
            "filter": filterset,
            "page": page,
            "actions": actions or [],
            "intro": intro,
            "form": form,
            "form_title": form_title,
        },
    )


def _history(obj):
    return StateChange.objects.filter(
        content_type=content_type_for(obj), object_id=str(obj.pk)
    ).select_related("actor")


# --------------------------------------------------------------------------- home


@login_required
def home(request):
    user = request.user
    context = {
        "is_enterprise": is_enterprise(user),
        "is_provider": is_provider_member(user),
        "is_official": user.is_official,
        "my_provider": Provider.objects.filter(organization_id=user.organization_id).first()
        if user.organization_id
        else None,
    }
    return render(request, "vouchers/home.html", context)


# --------------------------------------------------------------------------- programmes


@login_required
def programme_list(request):
    form = None
    if request.user.is_official:
        form = ProgrammeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            result = run_service(
                request,
                lambda: services.create_programme(actor=request.user, **form.cleaned_data),
                success=_("Programme opened: its budget is allocated in the ledger."),
            )
            if result:
                return redirect(result.get_absolute_url())
    return _list(
        request,
        title=_("Voucher programmes"),
        queryset=selectors.programme_list(user=request.user),
        filterset_class=ProgrammeFilterSet,
        columns=PROGRAMME_COLUMNS,
        export_name="voucher-programmes",
        form=form,
        form_title=_("Open a programme for your region"),
    )


@login_required
def programme_detail(request, pk):
    programme = get_object_or_404(selectors.programme_list(user=request.user), pk=pk)
    names = dict(Region.objects.filter(code__in=PROVINCE_CODES).values_list("code", "name"))
    form = None
    problems = {}
    if is_enterprise(request.user):
        org = Organization.objects.get(pk=request.user.organization_id)
        problems = services.eligibility_problems(programme, org)
        form = ApplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            result = run_service(
                request,
                lambda: services.apply_for_voucher(
                    actor=request.user, programme=programme, **form.cleaned_data
                ),
                success=_("Your application was submitted."),
            )
            if result:
                return redirect(result.get_absolute_url())
    return render(
        request,
        "vouchers/programme.html",
        {
            "programme": programme,
            "form": form,
            "problems": problems,
            "can_change": not programme.closed and bool(can(request.user, "change", programme)),
            "provider_region_names": [names.get(code, code) for code in programme.provider_regions],
        },
    )


@login_required
def programme_edit(request, pk):
    """The issuing agency's page for its programme: every rule until it opens, then the budget; closing."""
    programme = get_object_or_404(selectors.programme_list(user=request.user), pk=pk)
    if not can(request.user, "change", programme):
        raise DjangoPermissionDenied
    if programme.closed:
        messages.info(request, _("This programme is closed."))
        return redirect(programme.get_absolute_url())
    opened = programme.has_opened()
    fields = services.PROGRAMME_FIELDS
    edit_form = None if opened else ProgrammeForm(initial={f: getattr(programme, f) for f in fields})
    budget_form = BudgetForm(initial={"total_budget": programme.total_budget})
    close_form = CloseForm()
    action = request.POST.get("action") if request.method == "POST" else None
    done = None
    if action == "edit":
        posted = ProgrammeForm(request.POST)
        if posted.is_valid():  # the service refuses (409) once the programme has opened
            done = run_service(
                request,
                lambda: services.update_programme(programme, actor=request.user, **posted.cleaned_data),
                success=_("Programme changed."),
                # once opened, the page no longer shows this form: say what is wrong in a message
                form=None if opened else posted,
            )
        if not opened:
            edit_form = posted
    elif action == "budget":
        budget_form = BudgetForm(request.POST)
        if budget_form.is_valid():
            done = run_service(
                request,
                lambda: services.change_budget(programme, actor=request.user, **budget_form.cleaned_data),
                success=_("Budget changed: the difference is in the ledger."),
                form=budget_form,
            )
    elif action == "close":
        close_form = CloseForm(request.POST)
        if close_form.is_valid():
            done = run_service(
                request,
                lambda: services.close_programme(programme, actor=request.user, **close_form.cleaned_data),
                success=_("Programme closed: vouchers already issued stay valid."),
                form=close_form,
            )
    if done:
        return redirect(programme.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "vouchers/programme_edit.html",
        {
            "programme": programme,
            "opened": opened,
            "edit_form": edit_form,
            "budget_form": budget_form,
            "close_form": close_form,
        },
        status=status,
    )


# --------------------------------------------------------------------------- providers and services


@login_required
def provider_list(request):
    actions = []
    if (
        is_provider_member(request.user)
        and not Provider.objects.filter(organization_id=request.user.organization_id).exists()
    ):
        actions.append((_("Register as a provider"), "vouchers:provider_register"))
    return _list(
        request,
        title=_("Open service providers"),
        queryset=selectors.provider_list(user=request.user),
        filterset_class=ProviderFilterSet,
        columns=PROVIDER_COLUMNS,
        export_name="voucher-providers",
        actions=actions,
    )


@login_required
@require_POST
def provider_register(request):
    result = run_service(
        request,
        lambda: services.register_provider(actor=request.user),
        success=_("Registered: your region will review it."),
    )
    return redirect(
        result.get_absolute_url() if hasattr(result, "get_absolute_url") else "vouchers:providers"
    )


@login_required
def provider_detail(request, pk):
    provider = get_object_or_404(selectors.provider_list(user=request.user), pk=pk)
    form = None
    if is_provider_member(request.user) and request.user.organization_id == provider.organization_id:
        form = ServiceForm(request.POST or None)
        if (
            request.method == "POST"
            and form.is_valid()
            and run_service(
                request,
                lambda: services.add_service(actor=request.user, **form.cleaned_data),
                success=_("Added to your catalogue."),
            )
        ):
            return redirect(provider.get_absolute_url())
    offered = provider.services.all() if form is not None else provider.services.filter(active=True)
    return render(
        request,
        "vouchers/provider.html",
        {
            "provider": provider,
            "services": offered.order_by("-active", "name"),
            "form": form,
            "transitions": PROVIDER_WORKFLOW.available(provider, request.user),
            "history": _history(provider),
        },
    )


def _own_service(request, pk):
    service = get_object_or_404(
        selectors.service_list(user=request.user).filter(
            provider__organization_id=request.user.organization_id
        ),
        pk=pk,
    )
    if not can(request.user, "change", service):
        raise DjangoPermissionDenied
    return service


@login_required
def service_edit(request, pk):
    """The provider edits a service or instrument of its catalogue."""
    service = _own_service(request, pk)
    initial = {f: getattr(service, f) for f in services.SERVICE_FIELDS}
    form = ServiceEditForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.update_service(service, actor=request.user, **form.cleaned_data),
            success=_("Catalogue updated."),
            form=form,
        )
    ):
        return redirect(service.provider.get_absolute_url())
    return render(
        request,
        "vouchers/service_edit.html",
        {"service": service, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def service_toggle(request, pk):
    """Withdraw a service from the catalogue, or offer it again (bookings already made go on)."""
    service = _own_service(request, pk)
    run_service(
        request,
        lambda: services.update_service(service, actor=request.user, active=not service.active),
        success=_("Service offered again.")
        if not service.active
        else _("Service withdrawn from the catalogue."),
    )
    return redirect(service.provider.get_absolute_url())


@login_required
def service_suggest(request):
    """The options of a voucher's service box (``vouchers.forms.ServiceInput``) for ``q``."""
    found = selectors.service_suggestions(user=request.user, query=request.GET.get("q", "")[:100])
    return suggestion_options("vouchers/_service_options.html", found)


@login_required
def service_list(request):
    return _list(
        request,
        title=_("Find a service across the three regions"),
        queryset=selectors.offered_services(user=request.user),
        filterset_class=ServiceFilterSet,
        columns=SERVICE_COLUMNS,
        export_name="voucher-services",
    )


# --------------------------------------------------------------------------- applications and vouchers


@login_required
def application_list(request):
    return _list(
        request,
        title=_("Applications queue") if request.user.is_official else _("My applications"),
        queryset=selectors.application_list(user=request.user),
        filterset_class=ApplicationFilterSet,
        columns=APPLICATION_COLUMNS,
        export_name="voucher-applications",
    )


@login_required
def application_detail(request, pk):
    application = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    return render(
        request,
        "vouchers/application.html",
        {
            "application": application,
            "transitions": APPLICATION_WORKFLOW.available(application, request.user),
            "history": _history(application),
        },
    )


@login_required
def voucher_list(request):
    return _list(
        request,
        title=_("Vouchers") if request.user.is_official else _("My vouchers and balances"),
        queryset=selectors.voucher_list(user=request.user),
        filterset_class=VoucherFilterSet,
        columns=VOUCHER_COLUMNS,
        export_name="vouchers",
    )


# A voucher's page shows its latest claims: a voucher booked a hundred times rendered all of them
# (85 claims: 43 ms a page at the bench's scale).
VOUCHER_PAGE_CLAIMS = 20


@login_required
def voucher_detail(request, pk):
    voucher = get_object_or_404(selectors.voucher_list(user=request.user), pk=pk)
    form = result = None
    if is_enterprise(request.user) and voucher.holder_id == request.user.organization_id:
        form = BookForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            result = run_service(
                request,
                lambda: services.book_service(actor=request.user, voucher=voucher, **form.cleaned_data),
                success=_("Booked: the provider will file its claim after the service."),
            )
            if result:
                return redirect(result.get_absolute_url())
    recent = selectors.voucher_claims(user=request.user, voucher=voucher, limit=VOUCHER_PAGE_CLAIMS + 1)
    return render(
        request,
        "vouchers/voucher.html",
        {
            "voucher": voucher,
            # the latest claims; the claims list (filtered by this voucher) has them all
            "claims": recent[:VOUCHER_PAGE_CLAIMS],
            "more_claims": len(recent) > VOUCHER_PAGE_CLAIMS,
            "form": form,
            "transitions": VOUCHER_WORKFLOW.available(voucher, request.user),
            "history": _history(voucher),
        },
        status=form_status(form, result) if form is not None else 200,
    )


# --------------------------------------------------------------------------- claims


@login_required
def claim_list(request):
    return _list(
        request,
        title=_("Claims"),
        queryset=selectors.claim_list(user=request.user),
        filterset_class=ClaimFilterSet,
        columns=CLAIM_COLUMNS,
        export_name="voucher-claims",
    )


@login_required
def claim_detail(request, pk):
    claim = get_object_or_404(selectors.claim_list(user=request.user), pk=pk)
    names = {t.name for t in CLAIM_WORKFLOW.available(claim, request.user)}
    file_form = FileClaimForm() if "file" in names else None
    confirm_form = ConfirmForm() if "confirm" in names else None
    if request.method == "POST":
        if "file" in names and request.POST.get("transition") == "file":
            file_form = FileClaimForm(request.POST, request.FILES)
            if file_form.is_valid():
                docs = {k: v for k, v in file_form.cleaned_data.items() if hasattr(v, "read")}
                if run_service(
                    request,
                    lambda: services.file_claim(
                        claim, actor=request.user, amount=file_form.cleaned_data.get("amount"), documents=docs
                    ),
                    success=_("Claim filed."),
                ):
                    return redirect(claim.get_absolute_url())
        elif "confirm" in names and request.POST.get("transition") == "confirm":
            confirm_form = ConfirmForm(request.POST)
            if confirm_form.is_valid() and run_service(
                request,
                lambda: services.confirm_claim(claim, actor=request.user, **confirm_form.cleaned_data),
                success=_("Service confirmed."),
            ):
                return redirect(claim.get_absolute_url())
    transitions = [
        t for t in CLAIM_WORKFLOW.available(claim, request.user) if t.name not in ("file", "confirm", "pay")
    ]
    from portal.attachments import attachments_of

    return render(
        request,
        "vouchers/claim.html",
        {
            "claim": claim,
            "file_form": file_form,
            "confirm_form": confirm_form,
            "transitions": transitions,
            "history": _history(claim),
            "deadlines": open_deadlines_for(claim),
            "documents": attachments_of(claim),
        },
    )


# --------------------------------------------------------------------------- settlement


@login_required
def batch_list(request):
    form = None
    if request.user.is_official:
        form = BatchForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            result = run_service(
                request,
                lambda: services.create_batch(actor=request.user, provider=form.cleaned_data["provider"]),
                success=_("Settlement batch prepared."),
            )
            if result:
                return redirect(result.get_absolute_url())
    return _list(
        request,
        title=_("Settlement batches"),
        queryset=selectors.batch_list(user=request.user),
        filterset_class=BatchFilterSet,
        columns=BATCH_COLUMNS,
        export_name="voucher-settlement-batches",
        form=form,
        form_title=_("Prepare a settlement batch"),
    )


@login_required
def batch_detail(request, pk):
    batch = get_object_or_404(selectors.batch_list(user=request.user), pk=pk)
    claims = selectors.claim_list(user=request.user).filter(batch=batch).order_by("pk")
    if request.GET.get("export") == "xlsx":
        return xlsx_response(f"settlement-batch-{batch.pk}", BATCH_EXPORT_COLUMNS, claims, actor=request.user)
    return render(
        request,
        "vouchers/batch.html",
        {
            "batch": batch,
            "claims": claims,
            "transitions": BATCH_WORKFLOW.available(batch, request.user),
            "history": _history(batch),
        },
    )


@login_required
def statement(request):
    if not request.user.is_official:
        raise Http404
    year = request.GET.get("year")
    try:
        rows = selectors.cross_region_statement(user=request.user, year=selectors.statement_year(year))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return render(
            request, "vouchers/statement.html", {"rows": [], "year": "", "now": timezone.now()}, status=400
        )
    columns = [
        (pgettext_lazy("voucher", "Issuing region"), lambda r: r["issuing_region"]),
        (_("Provider region"), lambda r: r["provider_region"]),
        (_("Claims"), lambda r: r["claims"]),
        (_("Redeemed (yuan)"), lambda r: r["total"]),
    ]
    if request.GET.get("export") == "xlsx":
        return xlsx_response("voucher-cross-region-statement", columns, rows, actor=request.user)
    return render(
        request, "vouchers/statement.html", {"rows": rows, "year": year or "", "now": timezone.now()}
    )


# --------------------------------------------------------------------------- workflow steps from pages

_STEPS = {
    "application": (
        selectors.application_list,
        {"approve": services.approve_application, "refuse": services.refuse_application},
    ),
    "provider": (
        selectors.provider_list,
        {
            "approve": services.approve_provider,
            "refuse": services.refuse_provider,
            "suspend": services.suspend_provider,
        },
    ),
    "voucher": (selectors.voucher_list, {"revoke": services.revoke_voucher}),
    "claim": (
        selectors.claim_list,
        {"cancel": services.cancel_claim, "approve": services.approve_claim, "reject": services.reject_claim},
    ),
    "batch": (selectors.batch_list, {"pay": services.pay_batch}),
}


@login_required
@require_POST
def transition(request, kind, pk):
    if kind not in _STEPS:
        raise Http404
    selector, steps = _STEPS[kind]
    obj = get_object_or_404(selector(user=request.user), pk=pk)
    step = posted_step(request, steps)
    run_service(
        request,
        lambda: step(obj, actor=request.user, reason=request.POST.get("reason", "")),
        success=_("Done."),
    )
    return redirect(obj.get_absolute_url())
