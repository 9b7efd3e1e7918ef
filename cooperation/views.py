"""Pages of this app: thin views over the selectors and services."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.attachments import attachments_of
from portal.deadlines import open_deadlines_for
from portal.exports import xlsx_response
from portal.models import Role
from portal.pages import posted_step, run_service
from portal.permissions import can, official_province_id, require
from portal.views import paginate, table

from . import selectors, services
from .filters import (
    ApplicationFilterSet,
    ConsortiumFilterSet,
    ProgrammeFilterSet,
    ProjectFilterSet,
    ReviewFilterSet,
)
from .forms import (
    ApplicationForm,
    AssignExpertForm,
    AttachmentForm,
    ConsortiumForm,
    ConsortiumMemberForm,
    DisbursementForm,
    MilestoneForm,
    ParticipantFormSet,
    ProgrammeForm,
    ReportScheduleForm,
    ReportSubmitForm,
    ReviewForm,
)
from .models import ApplicationState, ConsortiumStatus, ProgrammeState, ReportState, ReviewState
from .permissions import is_lead_official
from .workflows import (
    APPLICATION_WORKFLOW,
    CONSORTIUM_WORKFLOW,
    PROGRAMME_WORKFLOW,
    PROJECT_WORKFLOW,
)

PROGRAMME_STEPS = {
    "submit_for_approval": services.submit_programme,
    "approve": services.approve_programme,
    "publish": services.approve_programme,
    "close": services.close_programme,
    "finish": services.finish_programme,
}
APPLICATION_STEPS = {
    "submit": services.submit_application,
    "return_for_changes": services.return_application,
    "accept": services.accept_application,
    "finish_review": services.finish_review,
    "approve_region": services.approve_application,
    "approve": services.approve_application,
    "reject": services.refuse_application,
    "withdraw": services.withdraw_application,
}
PROJECT_STEPS = {
    "start_midterm": services.start_midterm,
    "pass_midterm": services.pass_midterm,
    "request_acceptance": services.request_acceptance,
    "accept": services.accept_project,
    "fail": services.fail_project,
}
CONSORTIUM_STEPS = {"activate": services.activate_consortium, "dissolve": services.dissolve_consortium}


def _run_step(request, steps: dict, obj, on_error):
    """Run the posted workflow step; on a refusal of input or state, show the page again with the
    message (400 or 409) and nothing changed."""
    service = posted_step(request, steps)
    done = run_service(
        request,
        lambda: service(obj, actor=request.user, reason=request.POST.get("reason", "")),
        success=_("Done."),
    )
    return None if done else on_error(done.status)


def _one_of(transitions, *pairs):
    """Show one button where two steps do the same from the user's side (approve / approve last)."""
    names = {t.name for t in transitions}
    drop = {b for a, b in pairs if a in names and b in names}
    return [t for t in transitions if t.name not in drop]


def _export(request, name, columns, qs):
    return xlsx_response(name, columns, qs.iterator(chunk_size=2000), actor=request.user)


# --------------------------------------------------------------------------- home


@login_required
def home(request):
    user = request.user
    ctx = {
        "open_programmes": list(
            selectors.programme_list(user=user).filter(
                state=ProgrammeState.OPEN, closes_at__gte=timezone.now()
            )[:10]
        ),
        "is_official": bool(official_province_id(user)),
        "is_expert": user.has_role(Role.EXPERT_REVIEWER),
    }
    if ctx["is_official"]:
        ctx["queue"] = list(
            selectors.application_list(user=user).filter(
                state__in=[
                    ApplicationState.SUBMITTED,
                    ApplicationState.DECISION_PENDING,
                    ApplicationState.UNDER_REVIEW,
                ]
            )[:20]
        )
    elif user.organization_id:
        ctx["my_applications"] = list(selectors.application_list(user=user)[:20])
        ctx["due_reports"] = list(
            selectors.report_list(user=user).filter(state=ReportState.DUE).order_by("due_date")[:20]
        )
    if ctx["is_expert"]:
        ctx["assignments"] = list(
            selectors.review_list(user=user).filter(expert=user, state=ReviewState.ASSIGNED)[:20]
        )
    return render(request, "cooperation/home.html", ctx)


# --------------------------------------------------------------------------- programmes


@login_required
def programme_list(request):
    fs = ProgrammeFilterSet(request.GET or None, queryset=selectors.programme_list(user=request.user))
    qs = fs.qs if fs.is_bound and fs.is_valid() else fs.queryset
    if request.GET.get("export") == "xlsx":
        cols = [
            (_("Year"), lambda p: p.year),
            (_("Title"), lambda p: p.title),
            (_("Lead region"), lambda p: p.lead_region.name),
            (_("State"), lambda p: p.get_state_display()),
            (_("Applications close"), lambda p: p.closes_at),
            (_("Topics"), lambda p: "; ".join(f"{t.code} {t.title}" for t in p.topics.all())),
        ]
        return _export(request, "programmes", cols, qs)
    return render(
        request,
        "cooperation/programme_list.html",
        {"filter": fs, "page": paginate(request, qs), "can_create": bool(official_province_id(request.user))},
    )


@login_required
def programme_create(request):
    if not official_province_id(request.user):
        raise Http404
    form = ProgrammeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            created = run_service(
                request,
                lambda: services.create_programme(actor=request.user, **form.programme_data()),
                form=form,
            )
            if created:
                return redirect(created)
            status = created.status
    return render(request, "cooperation/programme_form.html", {"form": form}, status=status)


@login_required
def programme_edit(request, pk: int):
    """Change a draft programme: the lead region's officials only (the service audits the change)."""
    programme = get_object_or_404(selectors.programme_list(user=request.user), pk=pk)
    if programme.state != ProgrammeState.DRAFT:
        messages.error(request, _("Only a draft programme can be changed."))
        return programme_detail(request, pk, status=409)
    require(request.user, "change", programme)
    form = ProgrammeForm(request.POST or None, initial=ProgrammeForm.initial_for(programme))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            saved = run_service(
                request,
                lambda: services.update_programme(programme, actor=request.user, **form.programme_data()),
                success=_("The draft is saved."),
                form=form,
            )
            if saved:
                return redirect(programme)
            status = saved.status
    return render(
        request, "cooperation/programme_form.html", {"form": form, "programme": programme}, status=status
    )


@login_required
def programme_detail(request, pk: int, status: int = 200):
    programme = get_object_or_404(selectors.programme_list(user=request.user), pk=pk)
    transitions = PROGRAMME_WORKFLOW.available(programme, request.user)
    if any(t.name == "publish" for t in transitions):
        # one button: "approve" while other regions are pending, "approve and publish" for the last
        last = programme.region_shares.filter(approved_at__isnull=True).count() <= 1
        transitions = [t for t in transitions if t.name != ("approve" if last else "publish")]
    ctx = {
        "programme": programme,
        "transitions": transitions,
        "can_apply": programme.state == ProgrammeState.OPEN
        and request.user.organization_id
        and not official_province_id(request.user),
        "can_rank": selectors.can_see_ranking(request.user, programme),
        "can_change": bool(can(request.user, "change", programme)),
        "is_official": bool(official_province_id(request.user)),
        "changes": selectors.history(programme),
    }
    return render(request, "cooperation/programme_detail.html", ctx, status=status)


@login_required
@require_POST
def programme_transition(request, pk: int):
    programme = get_object_or_404(selectors.programme_list(user=request.user), pk=pk)
    failed = _run_step(
        request, PROGRAMME_STEPS, programme, lambda st: programme_detail(request, pk, status=st)
    )
    return failed or redirect(programme)


@login_required
def programme_ranking(request, pk: int):
    programme = get_object_or_404(selectors.programme_list(user=request.user), pk=pk)
    if not selectors.can_see_ranking(request.user, programme):
        raise Http404
    rows = selectors.ranking(user=request.user, programme=programme)
    if request.GET.get("export") == "xlsx":
        cols = [
            (_("Topic"), lambda r: r.topic.code),
            (_("Rank"), lambda r: r.rank),
            (_("Title"), lambda r: r.title),
            (_("Lead organization"), lambda r: r.lead_organization.name),
            (_("Average score"), lambda r: None if r.score is None else round(float(r.score), 2)),
            (_("Reviews"), lambda r: r.review_count),
        ]
        return xlsx_response("ranking", cols, rows, actor=request.user)
    return render(request, "cooperation/ranking.html", {"programme": programme, "rows": rows})


# --------------------------------------------------------------------------- applications


@login_required
def application_list(request):
    fs = ApplicationFilterSet(
        request.GET or None, queryset=selectors.application_rows(user=request.user, decisions=False)
    )
    qs = fs.qs if fs.is_bound and fs.is_valid() else fs.queryset
    # one list of columns for the page and its Excel export: what is seen is what is exported
    cols = [
        (_("Title"), lambda a: a.title),
        (_("Programme"), lambda a: a.programme.title),
        (_("Topic"), lambda a: str(a.topic)),  # its code and title
        (_("Key field"), lambda a: a.topic.get_field_display()),
        (_("Lead organization"), lambda a: a.lead_organization.name),
        (_("Regions"), lambda a: "、".join(sorted({p.province_name for p in a.participant_rows}))),
        (_("Budget (yuan)"), lambda a: sum((p.budget for p in a.participant_rows), Decimal(0))),
        (_("State"), lambda a: a.get_state_display()),
        (_("Submitted"), lambda a: a.submitted_at),
    ]
    if request.GET.get("export") == "xlsx":
        return _export(request, "applications", cols, qs)
    page = paginate(request, qs)
    return render(
        request,
        "cooperation/application_list.html",
        {"filter": fs, "page": page, **table(cols, page.object_list)},
    )


def _participant_initial(application):
    return [
        {
            "organization": p.organization,
            "principal_investigator": p.principal_investigator,
            "budget": p.budget,
        }
        for p in application.participants.select_related("organization")
    ]


@login_required
def application_form(request, pk: int | None = None, programme_pk: int | None = None):
    application = None
    if pk is not None:
        application = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
        if not can(request.user, "change", application):
            raise Http404
        programme = application.programme
    else:
        # the form shows none of the programme's regions or topics (its topic field reads its own)
        programme = get_object_or_404(
            selectors.programme_list(user=request.user).prefetch_related(None),
            pk=programme_pk,
            state=ProgrammeState.OPEN,
        )
        if not request.user.organization_id or official_province_id(request.user):
            raise Http404
    initial = {}
    if application:
        initial = {
            "topic": application.topic_id,
            "title": application.title,
            "research_plan": application.research_plan,
        }
    form = ApplicationForm(request.POST or None, programme=programme, initial=initial)
    formset = ParticipantFormSet(
        request.POST or None,
        prefix="p",
        initial=_participant_initial(application)
        if application
        else [{"organization": request.user.organization}],
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and formset.is_valid():
            rows = [f.cleaned_data for f in formset if f.cleaned_data.get("organization")]
            saved = run_service(
                request,
                lambda: services.save_application(
                    actor=request.user,
                    application=application,
                    programme=programme,
                    topic=form.cleaned_data["topic"],
                    title=form.cleaned_data["title"],
                    research_plan=form.cleaned_data["research_plan"],
                    participants=[
                        {
                            "organization": r["organization"],
                            "principal_investigator": r.get("principal_investigator") or "",
                            "budget": r.get("budget") if r.get("budget") is not None else 0,
                        }
                        for r in rows
                    ],
                ),
                success=_("The draft is saved."),
                form=form,
            )
            if saved:
                return redirect(saved)
            status = saved.status
    return render(
        request,
        "cooperation/application_form.html",
        {"form": form, "formset": formset, "programme": programme, "application": application},
        status=status,
    )


@login_required
def application_detail(request, pk: int, status: int = 200, assign_form=None):
    application = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    user = request.user
    transitions = _one_of(APPLICATION_WORKFLOW.available(application, user), ("approve_region", "approve"))
    see_scores = services_can_see_scores(user, application)
    ctx = {
        "application": application,
        "participants": list(application.participants.all()),
        "transitions": transitions,
        "changes": selectors.history(application),
        "deadlines": open_deadlines_for(application),
        "attachments": attachments_of(application),
        "can_change": bool(can(user, "change", application)),
        "see_scores": see_scores,
        "reviews": list(application.reviews.select_related("expert")) if see_scores else [],
        "can_assign": bool(can(user, "assign_expert", application)),
        "assign_form": assign_form or AssignExpertForm(application=application),
        "outcome": selectors.panel_outcome(application),
        "attachment_form": AttachmentForm(),
    }
    ctx["budget_total"] = sum(p.budget for p in ctx["participants"])
    return render(request, "cooperation/application_detail.html", ctx, status=status)


def services_can_see_scores(user, application) -> bool:
    return selectors.can_see_scores(user, application)


@login_required
@require_POST
def application_transition(request, pk: int):
    application = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    failed = _run_step(
        request, APPLICATION_STEPS, application, lambda st: application_detail(request, pk, status=st)
    )
    if failed:
        return failed
    if selectors.application_list(user=request.user).filter(pk=pk).exists():
        return redirect(application)
    return redirect("cooperation:application_list")


@login_required
@require_POST
def application_assign(request, pk: int):
    application = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    form = AssignExpertForm(request.POST, application=application)
    status = 400
    if form.is_valid():
        done = run_service(
            request,
            lambda: services.assign_expert(
                application, actor=request.user, expert=form.cleaned_data["expert"]
            ),
            success=_("The expert is assigned."),
            form=form,
        )
        if done:
            return redirect(application)
        status = done.status
    return application_detail(request, pk, status=status, assign_form=form)


@login_required
@require_POST
def application_attach(request, pk: int):
    application = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
        return application_detail(request, pk, status=400)
    # the page shows a fresh upload form, so a refusal is shown as a message
    done = run_service(
        request,
        lambda: services.attach_to_application(
            application, actor=request.user, upload=form.cleaned_data["file"]
        ),
        success=_("The file is attached."),
    )
    return redirect(application) if done else application_detail(request, pk, status=done.status)


# --------------------------------------------------------------------------- reviews


@login_required
def review_list(request):
    fs = ReviewFilterSet(request.GET or None, queryset=selectors.review_list(user=request.user))
    qs = fs.qs if fs.is_bound and fs.is_valid() else fs.queryset
    if request.GET.get("export") == "xlsx":
        cols = [
            (_("Application"), lambda r: r.application.title),
            (_("Topic"), lambda r: r.application.topic.title),
            (_("Expert"), lambda r: str(r.expert)),
            (_("State"), lambda r: r.get_state_display()),
            (_("Total"), lambda r: r.total),
        ]
        return _export(request, "reviews", cols, qs)
    return render(request, "cooperation/review_list.html", {"filter": fs, "page": paginate(request, qs)})


@login_required
def review_detail(request, pk: int):
    review = get_object_or_404(selectors.review_list(user=request.user), pk=pk)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if request.POST.get("do") == "declare_conflict":
            done = run_service(
                request,
                lambda: services.declare_conflict(
                    review, actor=request.user, reason=request.POST.get("reason", "")
                ),
                success=_("Your conflict of interest is recorded."),
                form=form,
            )
            if done:
                return redirect("cooperation:review_list")
            status = done.status
        elif form.is_valid():
            done = run_service(
                request,
                lambda: services.submit_review(review, actor=request.user, **form.cleaned_data),
                success=_("Your review is submitted."),
                form=form,
            )
            if done:
                return redirect(review)
            status = done.status
    return render(
        request,
        "cooperation/review_detail.html",
        {
            "review": review,
            "application": review.application,
            "form": form,
            "is_expert": review.expert_id == request.user.pk and review.state == ReviewState.ASSIGNED,
            "participants": list(review.application.participants.select_related("organization", "province")),
        },
        status=status,
    )


# --------------------------------------------------------------------------- projects


@login_required
def project_list(request):
    fs = ProjectFilterSet(request.GET or None, queryset=selectors.project_list(user=request.user))
    qs = fs.qs if fs.is_bound and fs.is_valid() else fs.queryset
    if request.GET.get("export") == "xlsx":
        cols = [
            (_("Project number"), lambda p: p.code),
            (_("Title"), lambda p: p.title),
            (_("Lead organization"), lambda p: p.lead_organization.name),
            (_("State"), lambda p: p.get_state_display()),
            (_("Reports due"), lambda p: sum(1 for r in p.reports.all() if r.state == ReportState.DUE)),
            (_("Disbursed (yuan)"), lambda p: str(sum(d.amount for d in p.disbursements.all()))),
        ]
        return _export(request, "projects", cols, qs)
    return render(request, "cooperation/project_list.html", {"filter": fs, "page": paginate(request, qs)})


@login_required
def project_detail(request, pk: int, status: int = 200, forms_=None):
    project = get_object_or_404(selectors.project_list(user=request.user), pk=pk)
    user = request.user
    forms_ = forms_ or {}
    ctx = {
        "project": project,
        "transitions": PROJECT_WORKFLOW.available(project, user),
        "changes": selectors.history(project),
        "deadlines": open_deadlines_for(project),
        "is_lead_official": is_lead_official(user, project.programme),
        "is_lead_member": user.organization_id == project.lead_organization_id,
        "is_official": bool(official_province_id(user)),
        "milestone_form": forms_.get("milestone") or MilestoneForm(),
        "report_form": forms_.get("report") or ReportScheduleForm(),
        "submit_form": forms_.get("submit") or ReportSubmitForm(),
        "disbursement_form": forms_.get("disbursement") or DisbursementForm(),
    }
    return render(request, "cooperation/project_detail.html", ctx, status=status)


@login_required
@require_POST
def project_transition(request, pk: int):
    project = get_object_or_404(selectors.project_list(user=request.user), pk=pk)
    failed = _run_step(request, PROJECT_STEPS, project, lambda st: project_detail(request, pk, status=st))
    return failed or redirect(project)


@login_required
@require_POST
def project_action(request, pk: int, what: str):
    project = get_object_or_404(selectors.project_list(user=request.user), pk=pk)
    form_cls, fn = {
        "milestone": (MilestoneForm, services.add_milestone),
        "report": (ReportScheduleForm, services.schedule_report),
        "disbursement": (DisbursementForm, services.record_disbursement),
        "submit": (ReportSubmitForm, None),
    }.get(what, (None, None))
    if form_cls is None:
        raise Http404
    form = form_cls(request.POST)
    if not form.is_valid():
        return project_detail(request, pk, status=400, forms_={what: form})
    if what == "submit":
        report_pk = request.POST.get("report", "")
        if not report_pk.isdigit():
            raise Http404
        report = get_object_or_404(project.reports.all(), pk=int(report_pk))
        call = partial(
            services.submit_report, report, actor=request.user, content=form.cleaned_data["content"]
        )
    else:
        call = partial(fn, project, actor=request.user, **form.cleaned_data)
    done = run_service(request, call, success=_("Done."), form=form)
    if done:
        return redirect(project)
    # bad input: the posted form again with its errors; a refused state: the page as it is
    return project_detail(
        request, pk, status=done.status, forms_={what: form} if done.status == 400 else None
    )


@login_required
@require_POST
def milestone_done(request, pk: int, milestone_pk: int):
    project = get_object_or_404(selectors.project_list(user=request.user), pk=pk)
    milestone = get_object_or_404(project.milestones.all(), pk=milestone_pk)
    run_service(
        request, lambda: services.complete_milestone(milestone, actor=request.user), raise_denied=True
    )
    return redirect(project)


# --------------------------------------------------------------------------- consortia


@login_required
def consortium_list(request):
    fs = ConsortiumFilterSet(request.GET or None, queryset=selectors.consortium_list(user=request.user))
    qs = fs.qs if fs.is_bound and fs.is_valid() else fs.queryset
    if request.GET.get("export") == "xlsx":
        cols = [
            (_("Name"), lambda c: c.name),
            (_("Kind"), lambda c: c.get_kind_display()),
            (_("Key field"), lambda c: c.get_field_display()),
            (_("Lead organization"), lambda c: c.lead_organization.name),
            (_("Status"), lambda c: c.get_status_display()),
            (
                _("Members"),
                lambda c: "; ".join(f"{m.organization.name} ({m.province.name})" for m in c.members.all()),
            ),
        ]
        return _export(request, "consortia", cols, qs)
    return render(
        request,
        "cooperation/consortium_list.html",
        {"filter": fs, "page": paginate(request, qs), "can_create": bool(official_province_id(request.user))},
    )


@login_required
def consortium_create(request):
    if not official_province_id(request.user):
        raise Http404
    form = ConsortiumForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            done = run_service(
                request,
                lambda: services.create_consortium(actor=request.user, **form.cleaned_data),
                success=_("Registered."),
                form=form,
            )
            if done:
                return redirect("cooperation:consortium_list")
            status = done.status
    return render(request, "cooperation/consortium_form.html", {"form": form}, status=status)


def _members_kept_of(user, consortium) -> str | None:
    """The province whose members ``user`` keeps: officials of the lead's region keep every member
    (None), the others their own region's."""
    province = official_province_id(user)
    return None if province == consortium.lead_organization.province_id else province


@login_required
def consortium_detail(request, pk: int, status: int = 200, member_form=None):
    consortium = get_object_or_404(selectors.consortium_list(user=request.user), pk=pk)
    keeps = bool(official_province_id(request.user)) and consortium.status != ConsortiumStatus.DISSOLVED
    own_province = _members_kept_of(request.user, consortium)
    if keeps and member_form is None:
        member_form = ConsortiumMemberForm(consortium=consortium, province=own_province)
    return render(
        request,
        "cooperation/consortium_detail.html",
        {
            "consortium": consortium,
            "transitions": CONSORTIUM_WORKFLOW.available(consortium, request.user),
            "changes": selectors.history(consortium),
            "can_keep_members": keeps,
            "keeper_province": own_province,
            "member_form": member_form if keeps else None,
        },
        status=status,
    )


@login_required
@require_POST
def consortium_member(request, pk: int, what: str):
    """Add (``what`` = "add") or remove ("remove") a member: officials of the member's region or of the
    lead's region; the service checks and audits."""
    consortium = get_object_or_404(selectors.consortium_list(user=request.user), pk=pk)
    if what == "add":
        form = ConsortiumMemberForm(
            request.POST, consortium=consortium, province=_members_kept_of(request.user, consortium)
        )
        if not form.is_valid():
            return consortium_detail(request, pk, status=400, member_form=form)
        organization = form.cleaned_data["organization"]
        service = services.add_consortium_member
    elif what == "remove":
        form = None
        organization = request.POST.get("organization", "")
        service = services.remove_consortium_member
    else:
        raise Http404
    done = run_service(
        request,
        lambda: service(consortium, actor=request.user, organization=organization),
        success=_("Done."),
        form=form,
    )
    if done:
        return redirect("cooperation:consortium_detail", pk=pk)
    # bad input: the posted form again with its errors; a refused state: the page as it is
    return consortium_detail(
        request, pk, status=done.status, member_form=form if done.status == 400 else None
    )


@login_required
@require_POST
def consortium_transition(request, pk: int):
    consortium = get_object_or_404(selectors.consortium_list(user=request.user), pk=pk)
    failed = _run_step(
        request, CONSORTIUM_STEPS, consortium, lambda st: consortium_detail(request, pk, status=st)
    )
    return failed or redirect("cooperation:consortium_detail", pk=pk)
