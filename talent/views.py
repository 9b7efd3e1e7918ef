"""Pages of the talent app: applicants file and track requests; issuing-region officials work the
verification queue, look up and import their registry; host-region officials decide; anyone checks
a certificate's code."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import attachments, audit
from portal.exports import xlsx_response
from portal.models import StateChange, content_type_for
from portal.pages import form_status, posted_step, run_service
from portal.permissions import can
from portal.views import paginate

from . import selectors, services
from .filters import AppointmentFilterSet, RecognitionRequestFilterSet, RegistryEntryFilterSet
from .forms import AppointmentForm, EvidenceForm, RegistryImportForm, RequestForm, VerifyForm
from .models import mask_name
from .permissions import is_hr_agency_member, may_file, may_see_id_number, talent_province_id
from .workflows import REQUEST_WORKFLOW

__all__ = [
    "home",
    "request_list",
    "request_new",
    "request_detail",
    "request_transition",
    "request_evidence",
    "certificate_detail",
    "verify",
    "registry",
    "import_detail",
    "import_progress",
    "appointment_list",
    "appointment_new",
]

STEPS = {
    "request_verification": services.request_forward,
    "acknowledge": services.request_acknowledge,
    "verify": services.request_verify,
    "not_verify": services.request_not_verify,
    "recognize": services.request_recognize,
    "refuse": services.request_refuse,
    "revoke": services.request_revoke,
    "withdraw": services.request_withdraw,
}


@login_required
def home(request):
    user = request.user
    province = talent_province_id(user)
    context = {
        "can_file": bool(may_file(user)),
        "province": province,
        "is_agency": is_hr_agency_member(user),
        "recent": list(selectors.request_list(user=user)[:5]),
    }
    return render(request, "talent/home.html", context)


@login_required
def request_list(request):
    filterset = RecognitionRequestFilterSet(
        request.GET or None,
        queryset=selectors.request_rows(
            user=request.user, page=True, export=request.GET.get("export") == "xlsx"
        ),
        request=request,
    )
    qs = filterset.qs
    if request.GET.get("export") == "xlsx":
        columns = [
            (_("Reference"), lambda r: r.reference),
            (_("State"), lambda r: r.get_state_display()),
            (_("Holder"), lambda r: r.person_name),
            (_("ID number"), lambda r: r.person_id_number_masked),
            (_("Credential"), lambda r: r.credential_name),
            (_("Certificate number"), lambda r: r.credential_certificate_number),
            (_("Issuing region"), lambda r: r.issuing_region_name),
            (_("Host region"), lambda r: r.host_region_name),
            (_("Next deadline"), lambda r: r.next_due),
            (_("Filed"), lambda r: r.created_at),
        ]
        return xlsx_response(
            "talent-requests",
            columns,
            qs.iterator(chunk_size=2000),
            actor=request.user,
            description=request.GET.urlencode(),
        )
    return render(
        request,
        "talent/request_list.html",
        {"filter": filterset, "page": paginate(request, qs), "now": timezone.now()},
    )


@login_required
def request_new(request):
    decision = may_file(request.user)
    if not decision:
        raise DjangoPermissionDenied(decision.reason)
    initial = {"host_region": request.user.province_id}
    form = RequestForm(request.POST or None, request.FILES or None, initial=initial)
    req = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        evidence = data.pop("evidence")
        req = run_service(
            request,
            lambda: services.request_file(
                actor=request.user, evidence=[evidence] if evidence else [], **data
            ),
            form=form,
        )
        if req:
            messages.success(request, _("Request %(ref)s filed.") % {"ref": req.reference})
            return redirect(req)
    return render(request, "talent/request_form.html", {"form": form}, status=form_status(form, req))


@login_required
def request_detail(request, pk: int):
    req = get_object_or_404(selectors.request_list(user=request.user), pk=pk)
    reveal = may_see_id_number(request.user, req)
    if reveal:
        audit.record(audit.AuditAction.VIEW, req.person, actor=request.user, message="ID number shown")
    transitions = [t for t in REQUEST_WORKFLOW.available(req, request.user) if t.name in STEPS]
    context = {
        "req": req,
        "holder_name": req.person.name,
        "id_number": req.person.reveal_id_number() if reveal else req.person.id_number_masked,
        "contact": req.person.contact if reveal else req.person.contact_masked,
        "transitions": transitions,
        "action_url": reverse("talent:request_transition", args=[req.pk]),
        "changes": StateChange.objects.filter(
            content_type=content_type_for(req), object_id=str(req.pk)
        ).select_related("actor"),
        "deadlines": selectors.open_deadlines_of(req),
        "evidence": attachments.attachments_of(req.credential),
        "evidence_form": EvidenceForm() if can(request.user, "attach", req) else None,
        "certificate": getattr(req, "certificate", None),
    }
    return render(request, "talent/request_detail.html", context)


@login_required
@require_POST
def request_transition(request, pk: int):
    req = get_object_or_404(selectors.request_list(user=request.user), pk=pk)
    service = posted_step(request, STEPS)
    run_service(
        request,
        lambda: service(req, actor=request.user, reason=request.POST.get("reason", "")),
        success=_("Done."),
    )
    return redirect(req)


@login_required
@require_POST
def request_evidence(request, pk: int):
    req = get_object_or_404(selectors.request_list(user=request.user), pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        run_service(
            request,
            lambda: services.request_attach_evidence(
                req, actor=request.user, upload=form.cleaned_data["evidence"]
            ),
            success=_("Document added."),
        )
    else:
        messages.error(request, _("Choose a file."))
    return redirect(req)


def _qr_svg(code: str, request) -> str:
    url = request.build_absolute_uri(reverse("talent:verify") + f"?code={code}")
    return segno.make(url, error="m").svg_inline(scale=4)


@login_required
def certificate_detail(request, pk: int):
    cert = get_object_or_404(selectors.certificate_list(user=request.user), pk=pk)
    return render(
        request,
        "talent/certificate_detail.html",
        {
            "cert": cert,
            "holder": mask_name(cert.request.person.name),
            "qr": _qr_svg(cert.code, request),
            "verify_url": reverse("talent:verify") + f"?code={cert.code}",
        },
    )


def verify(request):
    """Public: anyone may check a certificate code (no sign-in). The code may come in the link (GET,
    as the QR code carries it); an ID number to match is only accepted by POST and never echoed."""
    data = request.POST if request.method == "POST" else request.GET
    form = VerifyForm(data or None)
    answer, searched = None, False
    status = 200
    if data and form.is_valid():
        searched = True
        answer = services.certificate_verify(
            code=form.cleaned_data["code"],
            id_number=form.cleaned_data.get("id_number", "") if request.method == "POST" else "",
        )
        if answer is None:
            status = 404
        form = VerifyForm(initial={"code": form.cleaned_data["code"]})
    return render(
        request, "talent/verify.html", {"form": form, "answer": answer, "searched": searched}, status=status
    )


@login_required
def registry(request):
    province = talent_province_id(request.user)
    if not province:
        raise Http404
    filterset = RegistryEntryFilterSet(
        request.GET or None, queryset=selectors.registry_entry_list(user=request.user)
    )
    form = RegistryImportForm(request.POST or None, request.FILES or None)
    job = None
    if request.method == "POST" and form.is_valid():
        job = run_service(
            request,
            lambda: services.registry_import_start(actor=request.user, upload=form.cleaned_data["file"]),
            form=form,
        )
        if job:
            return redirect(job)
    return render(
        request,
        "talent/registry.html",
        {
            "filter": filterset,
            "page": paginate(request, filterset.qs),
            "form": form,
            "imports": list(selectors.registry_import_list(user=request.user)[:5]),
            "can_import": is_hr_agency_member(request.user),
        },
        # a refusal of role or state is a message above the page, which answers 200 as it always has
        status=400 if form.errors else 200,
    )


@login_required
def import_detail(request, pk: int):
    job = get_object_or_404(selectors.registry_import_list(user=request.user), pk=pk)
    if request.GET.get("export") == "xlsx":
        columns = [
            (_("Row"), lambda e: e.get("row")),
            (_("Field"), lambda e: e.get("field")),
            (_("Error"), lambda e: e.get("message")),
        ]
        return xlsx_response(f"registry-import-{job.pk}-errors", columns, job.errors, actor=request.user)
    return render(request, "talent/import_detail.html", {"job": job})


@login_required
def import_progress(request, pk: int):
    job = get_object_or_404(selectors.registry_import_list(user=request.user), pk=pk)
    return render(request, "talent/_import_progress.html", {"job": job})


@login_required
def appointment_list(request):
    filterset = AppointmentFilterSet(
        request.GET or None, queryset=selectors.appointment_list(user=request.user)
    )
    qs = filterset.qs
    if request.GET.get("export") == "xlsx":
        columns = [
            (_("Person"), lambda a: a.person.name),
            (_("ID number"), lambda a: a.person.id_number_masked),
            (_("Employer"), lambda a: a.home_organization.name),
            (_("Appointing organization"), lambda a: a.host_organization.name),
            (_("Role"), lambda a: a.role),
            (_("From"), lambda a: a.start_date),
            (_("Until"), lambda a: a.end_date),
        ]
        return xlsx_response("talent-appointments", columns, qs.iterator(chunk_size=2000), actor=request.user)
    return render(
        request, "talent/appointment_list.html", {"filter": filterset, "page": paginate(request, qs)}
    )


@login_required
def appointment_new(request):
    form = AppointmentForm(request.POST or None)
    done = None
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request,
            lambda: services.appointment_create(actor=request.user, **form.cleaned_data),
            success=_("Appointment recorded."),
            form=form,
        )
        if done:
            return redirect("talent:appointment_list")
    # a refusal shows the form again with 400, as it always has (a refusal of role included)
    return render(
        request,
        "talent/appointment_form.html",
        {"form": form},
        status=400 if done is not None else form_status(form),
    )
