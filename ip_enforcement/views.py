"""Pages of IP enforcement cooperation (thin: selectors to read, services to change)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import attachments
from portal.exports import xlsx_response
from portal.models import Deadline, content_type_for
from portal.pages import FORBIDDEN, form_status, posted_step, run_service
from portal.views import paginate

from . import selectors, services
from .api.views import accepting_known_inputs
from .filters import AssistanceFilterSet, CaseFilterSet, OperationFilterSet, ReferralFilterSet
from .forms import (
    AssistanceForm,
    CaseForm,
    ComplaintForm,
    EvidenceForm,
    JournalForm,
    ReferralForm,
)
from .models import AssistanceRequest, Outcome, Referral
from .permissions import is_complainant, is_coordinator, is_enforcement_officer, is_involved
from .workflows import ASSISTANCE_WORKFLOW, OPERATION_WORKFLOW, REFERRAL_WORKFLOW

_STEP_INPUTS = (
    "reason",
    "received_case_number",
    "returned_part",
    "outcome",
    "feedback",
    "penalty_amount",
    "to_agency",
    "findings",
    "summary",
)


def _attach_deadlines(rows, model) -> None:
    """Give each row its open deadlines in one query (for the lists' due-date column)."""
    rows = list(rows)
    by_id = defaultdict(list)
    if rows:
        for d in Deadline.objects.filter(
            content_type=content_type_for(model),
            object_id__in=[str(r.pk) for r in rows],
            status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED],
        ).order_by("due_at"):
            by_id[d.object_id].append(d)
    for r in rows:
        r.open_deadlines = by_id.get(str(r.pk), [])


def _filtered(request, filterset_class, qs):
    fs = filterset_class(request.GET or None, queryset=qs, request=request)
    for field in fs.form.fields.values():
        field.widget.attrs.setdefault(
            "class",
            "form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm",
        )
    return fs, (fs.qs if fs.is_bound and fs.is_valid() else qs)


@login_required
def home(request):
    user = request.user
    context = {"is_officer": is_enforcement_officer(user), "is_coordinator": is_coordinator(user)}
    if context["is_officer"]:
        incoming = selectors.referral_list(user=user).filter(
            to_agency_id=user.organization_id,
            state__in=["sent", "received", "appraisal", "accepted", "investigating"],
        )[:20]
        requests_in = selectors.assistance_list(user=user).filter(
            to_agency_id=user.organization_id, state__in=["sent", "received", "accepted"]
        )[:20]
        context["incoming"] = list(incoming)
        context["requests_in"] = list(requests_in)
        _attach_deadlines(context["incoming"], Referral)
        _attach_deadlines(context["requests_in"], AssistanceRequest)
    if is_complainant(user):
        context["complaints"] = list(
            selectors.case_list(user=user).filter(complainant_organization_id=user.organization_id)[:20]
        )
    return render(request, "ip_enforcement/home.html", context)


# --------------------------------------------------------------------------- cases


CASE_COLUMNS = [
    (_("Case number"), lambda c: c.number),
    (_("IP type"), lambda c: c.get_ip_type_display()),
    (_("Infringement type"), lambda c: c.get_infringement_type_display()),
    (_("Title"), lambda c: c.title),
    (_("Right holder"), lambda c: c.right_holder_name),
    (_("Suspected infringer"), lambda c: c.infringer_name),
    (_("Handling agency"), lambda c: c.agency.name),
    (_("State"), lambda c: c.get_state_display()),
    (_("Created"), lambda c: c.created_at),
]


@login_required
def case_list(request):
    fs, qs = _filtered(request, CaseFilterSet, selectors.case_list(user=request.user))
    if request.GET.get("export") == "xlsx":
        return xlsx_response("ip-cases", CASE_COLUMNS, qs.iterator(chunk_size=1000), actor=request.user)
    return render(request, "ip_enforcement/case_list.html", {"filter": fs, "page": paginate(request, qs)})


@login_required
def case_create(request):
    if not is_enforcement_officer(request.user):
        raise DjangoPermissionDenied(_("Only officers of IP or market-regulation agencies may open cases."))
    form = CaseForm(request.POST or None)
    case = None
    if request.method == "POST" and form.is_valid():
        case = run_service(
            request, lambda: services.create_case(actor=request.user, **form.cleaned_data), form=form
        )
        if case:
            messages.success(request, _("Case %(number)s recorded.") % {"number": case.number})
            return redirect(case)
    return render(
        request,
        "ip_enforcement/form.html",
        {"form": form, "title": _("New case")},
        status=form_status(form, case),
    )


@login_required
def complaint_create(request):
    if not is_complainant(request.user):
        raise DjangoPermissionDenied(_("Only members of an enterprise or institution may file a complaint."))
    form = ComplaintForm(request.POST or None)
    case = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        agency = data.pop("agency")
        case = run_service(
            request, lambda: services.file_complaint(actor=request.user, agency=agency, **data), form=form
        )
        if case:
            messages.success(request, _("Your complaint was filed as %(number)s.") % {"number": case.number})
            return redirect("ip_enforcement:home")
    return render(
        request,
        "ip_enforcement/form.html",
        {"form": form, "title": _("File a complaint")},
        status=form_status(form, case),
    )


def _case_or_404(request, pk):
    return get_object_or_404(selectors.case_list(user=request.user), pk=pk)


@login_required
def case_detail(request, pk: int):
    case = _case_or_404(request, pk)
    user = request.user
    agency_view = is_involved(user, case, coordinators=True)
    context = {
        "case": case,
        "agency_view": agency_view,
        "id_number": case.infringer_id_number()
        if case.may_see_id_number(user)
        else case.infringer_id_number_masked,
    }
    if agency_view:
        referrals = list(selectors.referral_list(user=user).filter(case=case).order_by("created_at"))
        requests_ = list(selectors.assistance_list(user=user).filter(case=case).order_by("created_at"))
        _attach_deadlines(referrals, Referral)
        _attach_deadlines(requests_, AssistanceRequest)
        evidence = list(selectors.evidence_list(user=user).filter(case=case))
        if evidence:
            services.log_evidence_views(actor=user, evidence=evidence)
        context.update(
            referrals=referrals,
            requests=requests_,
            evidence=evidence,
            journal=list(selectors.journal_list(user=user).filter(case=case)),
            steps=selectors.case_timeline(referrals=referrals, requests=requests_),
            evidence_log=list(selectors.evidence_access_list(user=user, case=case)[:50]),
            can_act=is_involved(user, case) and is_enforcement_officer(user),
            can_close=case.state == "open"
            and case.agency_id == user.organization_id
            and is_enforcement_officer(user),
            journal_form=JournalForm(),
            evidence_form=EvidenceForm(),
        )
    return render(request, "ip_enforcement/case_detail.html", context)


def _case_action(request, pk, form_class, title, service, success):
    case = _case_or_404(request, pk)
    form = form_class(request.POST or None, request.FILES or None)
    done = None
    if request.method == "POST" and form.is_valid():
        done = run_service(request, lambda: service(case, form.cleaned_data), success=success, form=form)
        if done:
            return redirect(done.get_absolute_url())
    # the form again: 400 for bad input or a step the case's state refuses; a refusal of role, 403
    status = FORBIDDEN.status if done is FORBIDDEN else 400 if (form.errors or done is not None) else 200
    return render(
        request, "ip_enforcement/form.html", {"form": form, "title": title, "case": case}, status=status
    )


@login_required
def referral_create(request, pk: int):
    return _case_action(
        request,
        pk,
        ReferralForm,
        _("Refer the case clue"),
        lambda case, d: services.refer_case(actor=request.user, case=case, **d),
        _("Referral sent."),
    )


@login_required
def assistance_create(request, pk: int):
    return _case_action(
        request,
        pk,
        AssistanceForm,
        _("Request assistance"),
        lambda case, d: services.request_assistance(actor=request.user, case=case, **d),
        _("Request sent."),
    )


@login_required
@require_POST
def case_close(request, pk: int):
    case = _case_or_404(request, pk)
    run_service(
        request,
        lambda: services.close_case(case, actor=request.user, reason=request.POST.get("reason", "")),
        success=_("Case closed."),
        raise_denied=True,
    )
    return redirect(case)


@login_required
@require_POST
def journal_add(request, pk: int):
    case = _case_or_404(request, pk)
    form = JournalForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.add_journal_entry(actor=request.user, case=case, **form.cleaned_data),
            success=_("Journal entry added."),
            raise_denied=True,
        )
    else:
        messages.error(request, _("Write the entry's text."))
    return redirect(case)


@login_required
@require_POST
def evidence_add(request, pk: int):
    case = _case_or_404(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        run_service(
            request,
            lambda: services.add_evidence(
                actor=request.user,
                case=case,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            ),
            success=_("Evidence file stored."),
            raise_denied=True,
        )
    else:
        messages.error(request, _("Give a description and choose a file."))
    return redirect(case)


@login_required
def evidence_download(request, pk: int):
    evidence = selectors.evidence_list(user=request.user).filter(pk=pk).first()
    if evidence is None:
        raise Http404
    try:
        return services.download_evidence(actor=request.user, evidence=evidence)
    except attachments.IntegrityFailure:
        return HttpResponse(
            _("This file has been altered since it was uploaded (SHA-256 mismatch); it will not be served."),
            status=409,
            content_type="text/plain; charset=utf-8",
        )


# --------------------------------------------------------------------------- referrals and requests


REFERRAL_COLUMNS = [
    (_("Referral number"), lambda r: r.number),
    (_("Case"), lambda r: r.case_number),
    (_("Referring agency"), lambda r: r.from_agency_name),
    (_("Receiving agency"), lambda r: r.to_agency_name),
    (_("State"), lambda r: r.get_state_display()),
    (_("Receiving case number"), lambda r: r.received_case_number),
    (_("Outcome"), lambda r: r.get_outcome_display()),
    (_("Sent"), lambda r: r.created_at),
]

ASSISTANCE_COLUMNS = [
    (_("Request number"), lambda r: r.number),
    (_("Case"), lambda r: r.case_number),
    (_("Kind"), lambda r: r.get_kind_display()),
    (_("Requesting agency"), lambda r: r.from_agency_name),
    (_("Requested agency"), lambda r: r.to_agency_name),
    (_("State"), lambda r: r.get_state_display()),
    (_("Sent"), lambda r: r.created_at),
]


def _flow_list(request, filterset_class, qs, model, columns, name, template):
    fs, qs = _filtered(request, filterset_class, qs)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(name, columns, qs.iterator(chunk_size=1000), actor=request.user)
    page = paginate(request, qs)
    page.object_list = list(page.object_list)
    _attach_deadlines(page.object_list, model)
    return render(request, template, {"filter": fs, "page": page})


@login_required
def referral_list(request):
    return _flow_list(
        request,
        ReferralFilterSet,
        selectors.referral_rows(user=request.user),
        Referral,
        REFERRAL_COLUMNS,
        "ip-referrals",
        "ip_enforcement/referral_list.html",
    )


@login_required
def assistance_list(request):
    return _flow_list(
        request,
        AssistanceFilterSet,
        selectors.assistance_rows(user=request.user),
        AssistanceRequest,
        ASSISTANCE_COLUMNS,
        "ip-assistance-requests",
        "ip_enforcement/assistance_list.html",
    )


def _detail(request, obj, workflow, template, **extra):
    context = {
        "obj": obj,
        "transitions": workflow.available(obj, request.user),
        "changes": selectors.timeline(obj),
        "deadlines": list(selectors.open_deadlines(obj)),
        "agencies": selectors.enforcement_agencies(),
        "outcomes": Outcome.choices,
        "now": timezone.now(),
        **extra,
    }
    return render(request, template, context)


@login_required
def referral_detail(request, pk: int):
    referral = get_object_or_404(selectors.referral_list(user=request.user), pk=pk)
    return _detail(
        request,
        referral,
        REFERRAL_WORKFLOW,
        "ip_enforcement/referral_detail.html",
        forwards=list(referral.forwards.select_related("to_agency")),
        can_extend=referral.to_agency_id == request.user.organization_id
        and is_enforcement_officer(request.user),
    )


@login_required
def assistance_detail(request, pk: int):
    req = get_object_or_404(selectors.assistance_list(user=request.user), pk=pk)
    evidence = list(selectors.evidence_list(user=request.user).filter(assistance_request=req))
    return _detail(
        request, req, ASSISTANCE_WORKFLOW, "ip_enforcement/assistance_detail.html", evidence=evidence
    )


def _run_step(request, obj, services_by_name):
    """Take the posted step with the inputs it knows; back to the record whatever happened (a refusal
    shown as a message), except that a refusal of role is a 403."""
    service = posted_step(request, services_by_name, default=None)
    if service is None:
        messages.error(request, _("Unknown action."))
        return redirect(obj.get_absolute_url())
    inputs = {k: request.POST[k] for k in _STEP_INPUTS if k in request.POST}
    if request.FILES.getlist("files"):
        inputs["files"] = request.FILES.getlist("files")
    run_service(
        request,
        lambda: accepting_known_inputs(service)(obj, actor=request.user, **inputs),
        success=_("Done."),
        raise_denied=True,
    )
    return redirect(obj.get_absolute_url())


@login_required
@require_POST
def referral_step(request, pk: int):
    referral = get_object_or_404(selectors.referral_list(user=request.user), pk=pk)
    return _run_step(request, referral, services.REFERRAL_TRANSITIONS)


@login_required
@require_POST
def referral_extend(request, pk: int):
    referral = get_object_or_404(selectors.referral_list(user=request.user), pk=pk)
    run_service(
        request,
        lambda: services.extend_referral_decision(
            referral, actor=request.user, reason=request.POST.get("reason", "")
        ),
        success=_("Decision deadline extended by 15 working days."),
        raise_denied=True,
    )
    return redirect(referral)


@login_required
@require_POST
def assistance_step(request, pk: int):
    req = get_object_or_404(selectors.assistance_list(user=request.user), pk=pk)
    return _run_step(request, req, services.ASSISTANCE_TRANSITIONS)


# --------------------------------------------------------------------------- joint operations


@login_required
def operation_list(request):
    fs, qs = _filtered(request, OperationFilterSet, selectors.operation_list(user=request.user))
    return render(
        request, "ip_enforcement/operation_list.html", {"filter": fs, "page": paginate(request, qs)}
    )


@login_required
def operation_detail(request, pk: int):
    op = get_object_or_404(selectors.operation_list(user=request.user), pk=pk)
    return _detail(
        request,
        op,
        OPERATION_WORKFLOW,
        "ip_enforcement/operation_detail.html",
        my_tasks=[t for t in op.tasks.all() if t.agency_id == request.user.organization_id and not t.done_at],
    )


@login_required
@require_POST
def operation_step(request, pk: int):
    op = get_object_or_404(selectors.operation_list(user=request.user), pk=pk)
    return _run_step(request, op, services.OPERATION_TRANSITIONS)


@login_required
@require_POST
def operation_result(request, pk: int):
    op = get_object_or_404(selectors.operation_list(user=request.user), pk=pk)
    task = op.tasks.filter(pk=request.POST.get("task") or 0).first()
    if task is None:
        raise Http404
    run_service(
        request,
        lambda: services.record_task_result(task, actor=request.user, result=request.POST.get("result", "")),
        success=_("Result recorded."),
        raise_denied=True,
    )
    return redirect(op)


# --------------------------------------------------------------------------- coordinators


@login_required
def overview(request):
    """For coordinators: overdue steps of their region, and the flows between the regions."""
    if not (is_coordinator(request.user) or is_enforcement_officer(request.user)):
        raise DjangoPermissionDenied(_("Only officials see the overview."))
    now = timezone.now()
    overdue = list(selectors.overdue_deadlines(user=request.user, now=now)[:200])
    flows = (
        selectors.referral_list(user=request.user)
        .values("from_province__name", "to_province__name", "state")
        .annotate(n=Count("id"))
        .order_by("from_province__name", "to_province__name", "state")
    )
    states = dict(Referral._meta.get_field("state").choices)
    return render(
        request,
        "ip_enforcement/overview.html",
        {
            "overdue": overdue,
            "flows": [{**f, "state_label": states.get(f["state"], f["state"])} for f in flows],
            "now": now,
        },
    )
