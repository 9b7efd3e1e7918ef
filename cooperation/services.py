"""Use cases of the joint basic-research special programme: one function per use case, each checks its
rule, writes, audits and emits in one transaction.

Article 7 of the Tianjin decision (2023-11-29): unified planning, unified project approval, unified
management, division of labour and joint research, with projects related in direction and route.
Article 8: the key fields, innovation consortia and joint labs. Article 12: joint research across the
three regions' organizations.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import attachments, audit, deadlines, outbox
from portal.deadlines import DeadlineSpec
from portal.exceptions import TransitionNotAllowed, ValidationError
from portal.models import DayCount, Organization, OrganizationKind, Region, Role, User
from portal.permissions import can, is_platform_admin, official_province_id, refuse, require

from .models import (
    SCORE_CRITERIA,
    SCORE_MAX,
    Application,
    ApplicationState,
    Consortium,
    ConsortiumKind,
    ConsortiumMember,
    ConsortiumStatus,
    Disbursement,
    KeyField,
    Milestone,
    Participant,
    Programme,
    ProgrammeRegion,
    ProgrammeState,
    ProgressReport,
    Project,
    RegionDecision,
    Review,
    ReviewState,
    Topic,
)
from .permissions import is_lead_official, is_programme_official
from .workflows import (
    APPLICATION_WORKFLOW,
    CONSORTIUM_WORKFLOW,
    PROGRAMME_WORKFLOW,
    PROJECT_WORKFLOW,
    REPORT_WORKFLOW,
    REVIEW,
    REVIEW_WORKFLOW,
    funding_region_ids,
    members_of,
    officials_of,
)

__all__ = [
    "create_programme",
    "update_programme",
    "submit_programme",
    "approve_programme",
    "close_programme",
    "finish_programme",
    "save_application",
    "attach_to_application",
    "submit_application",
    "return_application",
    "accept_application",
    "withdraw_application",
    "assign_expert",
    "submit_review",
    "declare_conflict",
    "finish_review",
    "decide_application",
    "approve_application",
    "refuse_application",
    "add_milestone",
    "complete_milestone",
    "schedule_report",
    "submit_report",
    "start_midterm",
    "pass_midterm",
    "request_acceptance",
    "accept_project",
    "fail_project",
    "record_disbursement",
    "create_consortium",
    "add_consortium_member",
    "remove_consortium_member",
    "activate_consortium",
    "dissolve_consortium",
    "decision_kind",
]

PROVINCES = ("110000", "120000", "130000")


# --------------------------------------------------------------------------- helpers


def _lock(obj):
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def _money(value: Any, field: str, *, positive: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 1200000.00.")}) from None
    if not amount.is_finite() or amount < 0 or (positive and amount == 0):
        raise ValidationError(
            {
                field: _("The amount must be greater than zero.")
                if positive
                else _("The amount may not be negative.")
            }
        )
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e12"):
        raise ValidationError({field: _("Use at most two decimals and less than 10¹² yuan.")})
    return amount


def _date(value: Any, field: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")}) from None


def _datetime(value: Any, field: str) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        dt = value
    else:
        try:
            dt = datetime.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({field: _("Enter a date and time, e.g. 2026-03-01T09:00.")}) from None
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


def _text(value: Any, field: str, *, required: bool = True, max_length: int | None = None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if max_length and len(text) > max_length:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": max_length}})
    return text


def decision_kind(region_id: str) -> str:
    return f"coop_decision_{region_id}"


# --------------------------------------------------------------------------- programmes


def _clean_programme(
    *,
    province: str,
    year: Any,
    title: Any,
    opens_at: Any,
    closes_at: Any,
    funding_cap: Any,
    min_regions: Any,
    region_budgets: dict[str, Any],
    topics: Iterable[dict[str, Any]],
) -> dict[str, Any]:
    """Check a programme's plan; return it cleaned, or raise ValidationError naming the field."""
    title = _text(title, "title", max_length=200)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Enter a whole number.")}) from None
    try:
        min_regions = int(min_regions)
    except (TypeError, ValueError):
        raise ValidationError({"min_regions": _("Enter a whole number.")}) from None
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    opens, closes = _datetime(opens_at, "opens_at"), _datetime(closes_at, "closes_at")
    if closes <= opens:
        raise ValidationError({"closes_at": _("The window must close after it opens.")})
    cap = _money(funding_cap, "funding_cap", positive=True)
    budgets = {str(k): _money(v, "regions") for k, v in (region_budgets or {}).items()}
    if set(budgets) - set(PROVINCES):
        raise ValidationError({"regions": _("Participating regions are 110000, 120000 and 130000.")})
    if province not in budgets:
        raise ValidationError({"regions": _("The lead region (yours) must take part.")})
    if not 2 <= min_regions <= 3:
        raise ValidationError({"min_regions": _("A team must come from two or three regions.")})
    if len(budgets) < min_regions:
        raise ValidationError(
            {
                "regions": _("At least %(n)d regions must take part for such teams to exist.")
                % {"n": min_regions}
            }
        )
    topics = list(topics or [])
    if not topics:
        raise ValidationError({"topics": _("Give at least one topic.")})
    codes = set()
    clean_topics = []
    for t in topics:
        if not isinstance(t, dict) or t.get("field") not in KeyField.values:
            raise ValidationError({"topics": _("Each topic needs one of the key fields.")})
        code = _text(t.get("code"), "topics", max_length=16)
        if code in codes:
            raise ValidationError({"topics": _("Topic codes must be unique.")})
        codes.add(code)
        clean_topics.append(
            {
                "code": code,
                "title": _text(t.get("title"), "topics", max_length=200),
                "field": t["field"],
                "description": str(t.get("description") or ""),
            }
        )
    return {
        "year": year,
        "title": title,
        "opens_at": opens,
        "closes_at": closes,
        "funding_cap": cap,
        "min_regions": min_regions,
        "budgets": budgets,
        "topics": clean_topics,
    }


def _write_plan(programme: Programme, plan: dict[str, Any]) -> None:
    ProgrammeRegion.objects.bulk_create(
        [
            ProgrammeRegion(programme=programme, region_id=r, budget=b)
            for r, b in sorted(plan["budgets"].items())
        ]
    )
    Topic.objects.bulk_create([Topic(programme=programme, **t) for t in plan["topics"]])


def _plan_snapshot(programme: Programme) -> dict[str, Any]:
    out = audit.snapshot(
        programme, ["year", "title", "guide", "opens_at", "closes_at", "funding_cap", "min_regions"]
    )
    out["regions"] = {s.region_id: str(s.budget) for s in programme.region_shares.order_by("region_id")}
    out["topics"] = [[t.code, t.title, t.field, t.description] for t in programme.topics.order_by("code")]
    return out


def create_programme(
    *,
    actor: User,
    year: int,
    title: str,
    guide: str = "",
    opens_at: Any,
    closes_at: Any,
    funding_cap: Any,
    min_regions: int = 2,
    region_budgets: dict[str, Any],
    topics: Iterable[dict[str, Any]],
) -> Programme:
    """Plan a joint programme (article 7: unified planning) in the actor's region, as its lead region."""
    province = official_province_id(actor)
    if not province:
        raise refuse(actor, None, _("Only officials may set up programmes."), action="create_programme")
    plan = _clean_programme(
        province=province,
        year=year,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        funding_cap=funding_cap,
        min_regions=min_regions,
        region_budgets=region_budgets,
        topics=topics,
    )
    with transaction.atomic():
        if Programme.objects.filter(year=plan["year"], title=plan["title"]).exists():
            raise ValidationError({"title": _("A programme of that year already has this title.")})
        programme = Programme.objects.create(
            year=plan["year"],
            title=plan["title"],
            guide=str(guide or ""),
            lead_region_id=province,
            organizer=actor.organization,
            opens_at=plan["opens_at"],
            closes_at=plan["closes_at"],
            min_regions=plan["min_regions"],
            funding_cap=plan["funding_cap"],
            created_by=actor,
        )
        _write_plan(programme, plan)
        audit.record(audit.AuditAction.CREATE, programme, actor=actor, changes=audit.snapshot(programme))
    return programme


def update_programme(
    programme: Programme,
    *,
    actor: User,
    year: Any,
    title: str,
    guide: str = "",
    opens_at: Any,
    closes_at: Any,
    funding_cap: Any,
    min_regions: Any = 2,
    region_budgets: dict[str, Any],
    topics: Iterable[dict[str, Any]],
) -> Programme:
    """Change a draft programme's plan: guide, window, rules, regional budgets and topics. Only the
    lead region's officials, and only while it is a draft (article 7: unified planning)."""
    with transaction.atomic():
        programme = _lock(programme)
        if programme.state != ProgrammeState.DRAFT:
            raise TransitionNotAllowed(_("Only a draft programme can be changed."))
        require(actor, "change", programme)
        plan = _clean_programme(
            province=programme.lead_region_id,
            year=year,
            title=title,
            opens_at=opens_at,
            closes_at=closes_at,
            funding_cap=funding_cap,
            min_regions=min_regions,
            region_budgets=region_budgets,
            topics=topics,
        )
        if Programme.objects.filter(year=plan["year"], title=plan["title"]).exclude(pk=programme.pk).exists():
            raise ValidationError({"title": _("A programme of that year already has this title.")})
        if programme.applications.exists():  # not reachable for a draft; kept as a guard for the topics
            raise TransitionNotAllowed(_("Applications refer to this programme; its plan is fixed."))
        before = _plan_snapshot(programme)
        programme.year, programme.title, programme.guide = plan["year"], plan["title"], str(guide or "")
        programme.opens_at, programme.closes_at = plan["opens_at"], plan["closes_at"]
        programme.min_regions, programme.funding_cap = plan["min_regions"], plan["funding_cap"]
        programme.save()
        programme.region_shares.all().delete()
        programme.topics.all().delete()
        _write_plan(programme, plan)
        changes = audit.diff(before, _plan_snapshot(programme))
        audit.record(audit.AuditAction.UPDATE, programme, actor=actor, changes=changes)
    return programme


def submit_programme(programme: Programme, *, actor: User, reason: str = "") -> Programme:
    """Send a planned programme to every participating region's coordinator (article 7)."""
    return PROGRAMME_WORKFLOW.apply(programme, "submit_for_approval", actor=actor, inputs={"reason": reason})


def approve_programme(programme: Programme, *, actor: User, reason: str = "") -> Programme:
    """One region's coordinator approves; the programme opens when the last region approves (article 7:
    unified project approval, published jointly)."""
    with transaction.atomic():
        programme = _lock(programme)
        PROGRAMME_WORKFLOW.ensure(programme, "approve", actor)
        province = official_province_id(actor)
        shares = list(ProgrammeRegion.objects.select_for_update().filter(programme=programme))
        others_pending = [s for s in shares if s.region_id != province and s.approved_at is None]
        name = "approve" if others_pending else "publish"
        PROGRAMME_WORKFLOW.apply(
            programme, name, actor=actor, inputs={"reason": reason}, payload={"region": province}
        )
        ProgrammeRegion.objects.filter(programme=programme, region_id=province).update(
            approved_by=actor, approved_at=timezone.now()
        )
    return programme


def close_programme(programme: Programme, *, actor: User, reason: str = "") -> Programme:
    """Close the call for applications (article 7)."""
    return PROGRAMME_WORKFLOW.apply(programme, "close", actor=actor, inputs={"reason": reason})


def finish_programme(programme: Programme, *, actor: User, reason: str = "") -> Programme:
    """Finish the programme once its decisions are made (article 7)."""
    return PROGRAMME_WORKFLOW.apply(programme, "finish", actor=actor, inputs={"reason": reason})


# --------------------------------------------------------------------------- applications


def _clean_participants(rows: Iterable[dict[str, Any]], lead_org_id: int) -> list[dict[str, Any]]:
    rows = [r for r in (rows or []) if r and (r.get("organization") not in (None, ""))]
    if not rows:
        raise ValidationError({"participants": _("List the organizations of the team.")})
    ids = []
    for r in rows:
        org = r["organization"]
        try:
            ids.append(org.pk if isinstance(org, Organization) else int(org))
        except (TypeError, ValueError):
            raise ValidationError({"participants": _("Unknown organization.")}) from None
    if len(set(ids)) != len(ids):
        raise ValidationError({"participants": _("Each organization may appear once.")})
    orgs = Organization.objects.in_bulk(ids)
    if len(orgs) != len(ids):
        raise ValidationError({"participants": _("Unknown organization.")})
    if lead_org_id not in orgs:
        raise ValidationError(
            {"participants": _("Your organization leads the application and must be in the team.")}
        )
    out = []
    for org_id, r in zip(ids, rows, strict=True):
        org = orgs[org_id]
        if org.kind == OrganizationKind.AGENCY:
            raise ValidationError({"participants": _("Government agencies cannot be research partners.")})
        if not str(r.get("principal_investigator") or "").strip():
            # the team's rows are not fields of their own: the message names the row
            raise ValidationError(
                {
                    "participants": _("Name the principal investigator of %(organization)s.")
                    % {"organization": org.name}
                }
            )
        out.append(
            {
                "organization": org,
                "principal_investigator": _text(
                    r.get("principal_investigator"), "participants", max_length=100
                ),
                "budget": _money(r.get("budget", 0), "participants"),
            }
        )
    return out


def save_application(
    *,
    actor: User,
    application: Application | None = None,
    programme: Programme | int,
    topic: Topic | int,
    title: str,
    research_plan: str = "",
    participants: Iterable[dict[str, Any]],
) -> Application:
    """Create or change the draft of a joint application (article 7: joint research by teams of several
    regions; article 12)."""
    if not actor.organization_id or official_province_id(actor):
        raise refuse(
            actor,
            None,
            _("Applications are made by enterprises, universities and institutes."),
            action="apply",
        )
    programme_id = programme.pk if isinstance(programme, Programme) else programme
    topic_id = topic.pk if isinstance(topic, Topic) else topic
    try:
        programme = Programme.objects.get(pk=programme_id, state=ProgrammeState.OPEN)
    except (Programme.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"programme": _("Choose a programme that is open for applications.")}) from None
    try:
        topic = Topic.objects.get(pk=topic_id, programme=programme)
    except (Topic.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"topic": _("Choose a topic of this programme.")}) from None
    title = _text(title, "title", max_length=200)
    rows = _clean_participants(participants, actor.organization_id)
    with transaction.atomic():
        if application is None:
            application = Application.objects.create(
                programme=programme,
                topic=topic,
                title=title,
                research_plan=str(research_plan or ""),
                lead_organization_id=actor.organization_id,
                created_by=actor,
            )
            action, before = audit.AuditAction.CREATE, {}
        else:
            application = _lock(application)
            require(actor, "change", application)
            before = audit.snapshot(application, ["programme_id", "topic_id", "title", "research_plan"])
            application.programme, application.topic = programme, topic
            application.title, application.research_plan = title, str(research_plan or "")
            application.save()
            application.participants.all().delete()
            action = audit.AuditAction.UPDATE
        Participant.objects.bulk_create(
            [
                Participant(
                    application=application,
                    organization=r["organization"],
                    province_id=r["organization"].province_id,
                    is_lead=r["organization"].pk == actor.organization_id,
                    principal_investigator=r["principal_investigator"],
                    budget=r["budget"],
                )
                for r in rows
            ]
        )
        after = audit.snapshot(application, ["programme_id", "topic_id", "title", "research_plan"])
        after["participants"] = [
            [r["organization"].pk, r["principal_investigator"], str(r["budget"])] for r in rows
        ]
        audit.record(action, application, actor=actor, changes=audit.diff(before, after))
    return application


def attach_to_application(application: Application, *, actor: User, upload, purpose: str = "") -> Any:
    """Add a document to a draft or returned application (article 7)."""
    with transaction.atomic():
        application = _lock(application)
        require(actor, "change", application)
        return attachments.attach(application, upload, actor=actor, purpose=purpose or "application")


def submit_application(application: Application, *, actor: User, reason: str = "") -> Application:
    """Submit within the window, checking the programme's rules: teams from at least the minimum
    number of regions, only participating regions, within the funding cap (article 7)."""
    with transaction.atomic():
        application = _lock(application)
        APPLICATION_WORKFLOW.ensure(application, "submit", actor)
        programme = application.programme
        now = timezone.now()
        if programme.state != ProgrammeState.OPEN or not (programme.opens_at <= now <= programme.closes_at):
            raise TransitionNotAllowed(
                _("The application window of this programme is %(opens)s – %(closes)s; it is not open now.")
                % {
                    "opens": timezone.localtime(programme.opens_at).strftime("%Y-%m-%d %H:%M"),
                    "closes": timezone.localtime(programme.closes_at).strftime("%Y-%m-%d %H:%M"),
                },
                code="window_closed",
            )
        parts = list(application.participants.all())
        regions = {p.province_id for p in parts}
        if len(regions) < programme.min_regions:
            raise ValidationError(
                {
                    "participants": _(
                        "The team must include organizations from at least %(n)d of the regions "
                        "(Beijing, Tianjin, Hebei); it has %(have)d."
                    )
                    % {"n": programme.min_regions, "have": len(regions)}
                }
            )
        allowed = set(programme.region_shares.values_list("region_id", flat=True))
        if regions - allowed:
            raise ValidationError(
                {
                    "participants": _(
                        "Only organizations of the programme's participating regions may take part."
                    )
                }
            )
        total = sum((p.budget for p in parts), Decimal("0"))
        if total <= 0:
            raise ValidationError({"budget": _("Give the budget each organization requests.")})
        if total > programme.funding_cap:
            raise ValidationError(
                {
                    "budget": _("The total budget %(total)s exceeds the cap of %(cap)s yuan per project.")
                    % {"total": total, "cap": programme.funding_cap}
                }
            )
        if not application.research_plan.strip():
            raise ValidationError({"research_plan": _("Describe the research plan.")})
        application.submitted_at = now
        APPLICATION_WORKFLOW.apply(
            application, "submit", actor=actor, inputs={"reason": reason}, changed_fields=["submitted_at"]
        )
    return application


def return_application(application: Application, *, actor: User, reason: str = "") -> Application:
    """The lead region's agency returns the application for changes, with the reason (article 7)."""
    return APPLICATION_WORKFLOW.apply(
        application, "return_for_changes", actor=actor, inputs={"reason": reason}
    )


def accept_application(application: Application, *, actor: User, reason: str = "") -> Application:
    """The lead region's agency finds the application formally complete (article 7)."""
    return APPLICATION_WORKFLOW.apply(application, "accept", actor=actor, inputs={"reason": reason})


def withdraw_application(application: Application, *, actor: User, reason: str = "") -> Application:
    """The applicant withdraws before the decision; funding regions that already approved get their
    money back (article 7)."""
    with transaction.atomic():
        application = _lock(application)
        APPLICATION_WORKFLOW.ensure(application, "withdraw", actor)
        if application.state == ApplicationState.DECISION_PENDING:
            _release_allocations(application)
        return APPLICATION_WORKFLOW.apply(application, "withdraw", actor=actor, inputs={"reason": reason})


def assign_expert(application: Application, *, actor: User, expert: User | int) -> Review:
    """A coordinator assigns an expert; experts of any organization of the team are refused
    (article 7: unified project approval by expert review)."""
    require(actor, "assign_expert", application)
    expert_id = expert.pk if isinstance(expert, User) else expert
    try:
        expert = User.objects.get(pk=int(expert_id), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"expert": _("Unknown expert.")}) from None
    if not expert.has_role(Role.EXPERT_REVIEWER):
        raise ValidationError({"expert": _("This user is not an expert reviewer.")})
    with transaction.atomic():
        application = _lock(application)
        require(actor, "assign_expert", application)
        if (
            expert.organization_id
            and application.participants.filter(organization_id=expert.organization_id).exists()
        ):
            raise ValidationError(
                {"expert": _("Conflict of interest: the expert belongs to an organization of this team.")}
            )
        previous = Review.objects.filter(application=application, expert=expert).first()
        if previous is not None:
            if previous.state == ReviewState.CONFLICT:
                raise ValidationError({"expert": _("This expert has declared a conflict of interest.")})
            raise ValidationError({"expert": _("This expert is already assigned.")})
        review = Review.objects.create(application=application, expert=expert, assigned_by=actor)
        audit.record(audit.AuditAction.CREATE, review, actor=actor, message=f"expert {expert.pk} assigned")
        deadlines.open_deadline(
            review,
            REVIEW,
            label=_("Review: %(title)s") % {"title": application.title},
            link=review.get_absolute_url(),
            region=official_province_id(actor),
            responsible_users=[expert],
            requester_organization=actor.organization,
        )
        outbox.emit(
            "cooperation.review.assigned",
            obj=review,
            actor=actor,
            title=_("Review requested: %(title)s") % {"title": application.title},
            link=review.get_absolute_url(),
            recipients=[expert],
            payload={"application": application.pk},
        )
    return review


def _score(value: Any, field: str) -> int:
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            {field: _("Give a whole number from 0 to %(max)d.") % {"max": SCORE_MAX}}
        ) from None
    if not 0 <= score <= SCORE_MAX:
        raise ValidationError({field: _("Give a whole number from 0 to %(max)d.") % {"max": SCORE_MAX}})
    return score


def submit_review(
    review: Review,
    *,
    actor: User,
    innovation: Any = None,
    feasibility: Any = None,
    team: Any = None,
    collaboration: Any = None,
    comments: str = "",
    reason: str = "",
) -> Review:
    """The expert scores each criterion and comments (article 7: unified project approval)."""
    with transaction.atomic():
        review = _lock(review)
        REVIEW_WORKFLOW.ensure(review, "submit", actor)
        if review.application.state != ApplicationState.UNDER_REVIEW:
            raise TransitionNotAllowed(_("The expert review of this application is closed."))
        scores = {
            c: _score(v, c)
            for c, v in zip(SCORE_CRITERIA, (innovation, feasibility, team, collaboration), strict=True)
        }
        review.comments = _text(comments, "comments", max_length=10000)
        for c, v in scores.items():
            setattr(review, c, v)
        REVIEW_WORKFLOW.apply(review, "submit", actor=actor, changed_fields=[*SCORE_CRITERIA, "comments"])
    return review


def declare_conflict(review: Review, *, actor: User, reason: str = "") -> Review:
    """The expert declares a conflict of interest and cannot review (article 7)."""
    with transaction.atomic():
        review = _lock(review)
        REVIEW_WORKFLOW.ensure(review, "declare_conflict", actor)
        review.conflict_reason = str(reason or "").strip()
        REVIEW_WORKFLOW.apply(
            review,
            "declare_conflict",
            actor=actor,
            inputs={"reason": reason},
            changed_fields=["conflict_reason"],
        )
    return review


def finish_review(application: Application, *, actor: User, reason: str = "") -> Application:
    """Close the expert review and open each funding region's decision (article 7: unified approval)."""
    with transaction.atomic():
        application = _lock(application)
        APPLICATION_WORKFLOW.ensure(application, "finish_review", actor)
        states = list(application.reviews.values_list("state", flat=True))
        if ReviewState.SUBMITTED not in states:
            raise ValidationError({"reviews": _("At least one expert must have submitted a review.")})
        if ReviewState.ASSIGNED in states:
            raise ValidationError({"reviews": _("Some assigned experts have not yet reviewed.")})
        APPLICATION_WORKFLOW.apply(application, "finish_review", actor=actor, inputs={"reason": reason})
        for region_id in funding_region_ids(application):
            deadlines.open_deadline(
                application,
                DeadlineSpec(decision_kind(region_id), 10, DayCount.WORKING),
                label=_("Joint decision (%(region)s): %(title)s")
                % {"region": Region.objects.get(pk=region_id).name, "title": application.title},
                link=application.get_absolute_url(),
                region=region_id,
                responsible_users=list(officials_of([region_id])),
                requester_organization=application.programme.organizer,
            )
    return application


def decide_application(
    application: Application, *, actor: User, approve: bool, reason: str = ""
) -> Application:
    """One funding region's decision: all must approve; one refusal rejects, with its reasons
    (article 7: unified project approval; each region funds its own organizations)."""
    with transaction.atomic():
        application = _lock(application)
        APPLICATION_WORKFLOW.ensure(application, "approve_region" if approve else "reject", actor)
        reason = str(reason or "").strip()
        if not approve and not reason:
            raise ValidationError({"reason": _("Give the reasons for the refusal.")})
        province = official_province_id(actor)
        funding = funding_region_ids(application)
        decided = set(application.region_decisions.values_list("region_id", flat=True))
        remaining = [r for r in funding if r != province and r not in decided]
        if approve:
            _allocate(application, province)
        else:
            _release_allocations(application)
        if not approve:
            name = "reject"
            application.decided_at = timezone.now()
        elif remaining:
            name = "approve_region"
        else:
            name = "approve"
            application.decided_at = timezone.now()
        APPLICATION_WORKFLOW.apply(
            application,
            name,
            actor=actor,
            inputs={"reason": reason},
            changed_fields=["decided_at"] if name != "approve_region" else [],
            payload={"region": province},
        )
        RegionDecision.objects.create(
            application=application, region_id=province, approved=approve, reason=reason, decided_by=actor
        )
        deadlines.close_deadlines(application, [decision_kind(province)])
        if name == "approve":
            _create_project(application, actor=actor)
    return application


def _region_amounts(application: Application) -> dict[str, Decimal]:
    """What each funding region grants its own organizations in this team."""
    rows = (
        application.participants.filter(budget__gt=0)
        .values("province_id")
        .annotate(total=Sum("budget"))
        .order_by("province_id")
    )
    return {r["province_id"]: r["total"] for r in rows}


def _allocate(application: Application, region_id: str) -> Decimal:
    """Commit ``region_id``'s share of the team's budget against the budget the region committed to the
    programme. The region's row is locked, so concurrent approvals are counted one after the other;
    the database's check constraint (allocated ≤ budget) holds even for a writer that skips this."""
    amount = _region_amounts(application).get(region_id, Decimal("0"))
    share = (
        ProgrammeRegion.objects.select_for_update()
        .select_related("region")
        .filter(programme_id=application.programme_id, region_id=region_id)
        .first()
    )
    if share is None:
        raise ValidationError({"budget": _("Your region has committed no budget to this programme.")})
    if share.allocated + amount > share.budget:
        raise ValidationError(
            {
                "budget": _(
                    "%(region)s committed %(budget)s yuan to this programme and has approved %(allocated)s; "
                    "%(remaining)s remain, but this team asks %(amount)s of %(region)s."
                )
                % {
                    "region": share.region.name,
                    "budget": share.budget,
                    "allocated": share.allocated,
                    "remaining": share.budget - share.allocated,
                    "amount": amount,
                }
            }
        )
    ProgrammeRegion.objects.filter(pk=share.pk).update(allocated=F("allocated") + amount)
    return amount


def _release_allocations(application: Application) -> None:
    """Give back what the regions that already approved had committed (refusal or withdrawal)."""
    approved = list(application.region_decisions.filter(approved=True).values_list("region_id", flat=True))
    if not approved:
        return
    amounts = _region_amounts(application)
    shares = list(
        ProgrammeRegion.objects.select_for_update()
        .filter(programme_id=application.programme_id, region_id__in=approved)
        .order_by("region_id")
    )
    for share in shares:
        amount = amounts.get(share.region_id, Decimal("0"))
        if amount:
            ProgrammeRegion.objects.filter(pk=share.pk).update(allocated=F("allocated") - amount)


def approve_application(application: Application, *, actor: User, reason: str = "") -> Application:
    """The actor's region approves (article 7)."""
    return decide_application(application, actor=actor, approve=True, reason=reason)


def refuse_application(application: Application, *, actor: User, reason: str = "") -> Application:
    """The actor's region refuses, which rejects the application (article 7)."""
    return decide_application(application, actor=actor, approve=False, reason=reason)


def _create_project(application: Application, *, actor: User) -> Project:
    project = Project.objects.create(
        application=application,
        programme=application.programme,
        code=f"JJJ-{application.programme.year}-{application.pk:05d}",
        title=application.title,
        lead_organization_id=application.lead_organization_id,
    )
    audit.record(audit.AuditAction.CREATE, project, actor=actor, changes=audit.snapshot(project))
    outbox.emit(
        "cooperation.project.created",
        obj=project,
        actor=actor,
        title=_("Project started: %(p)s") % {"p": project},
        link=project.get_absolute_url(),
        recipients=members_of(application.participants.values_list("organization_id", flat=True)),
        organizations=list(application.participants.values_list("organization_id", flat=True)),
    )
    return project


# --------------------------------------------------------------------------- projects


def _require_project_party(actor: User, project: Project) -> None:
    if is_lead_official(actor, project.programme) or actor.organization_id == project.lead_organization_id:
        return
    raise refuse(actor, project, _("Only the lead organization or the lead region's officials may do this."))


def add_milestone(project: Project, *, actor: User, title: str, due_date: Any) -> Milestone:
    """Plan a milestone of a joint project (article 7: unified management)."""
    _require_project_party(actor, project)
    title = _text(title, "title", max_length=200)
    due = _date(due_date, "due_date")
    with transaction.atomic():
        project = _lock(project)
        milestone = Milestone.objects.create(project=project, title=title, due_date=due)
        audit.record(audit.AuditAction.CREATE, milestone, actor=actor, changes=audit.snapshot(milestone))
    return milestone


def complete_milestone(milestone: Milestone, *, actor: User) -> Milestone:
    """Mark a milestone reached (article 7: unified management)."""
    _require_project_party(actor, milestone.project)
    with transaction.atomic():
        milestone = _lock(milestone)
        if milestone.done_at:
            raise TransitionNotAllowed(_("This milestone is already reached."))
        milestone.done_at = timezone.now()
        milestone.save(update_fields=["done_at"])
        audit.record(
            audit.AuditAction.UPDATE, milestone, actor=actor, changes={"done_at": [None, milestone.done_at]}
        )
    return milestone


def schedule_report(project: Project, *, actor: User, period: str, due_date: Any) -> ProgressReport:
    """Ask the project for a periodic progress report by a date, with reminders and escalation
    (article 7: unified management)."""
    if not is_lead_official(actor, project.programme):
        raise refuse(
            actor, project, _("Only officials of the lead region may do this."), action="schedule_report"
        )
    period = _text(period, "period", max_length=50)
    due = _date(due_date, "due_date")
    today = timezone.localdate()
    if due <= today:
        raise ValidationError({"due_date": _("The due date must be in the future.")})
    with transaction.atomic():
        project = _lock(project)
        if project.state in ("accepted", "failed"):
            raise TransitionNotAllowed(_("The project is concluded."))
        if ProgressReport.objects.filter(project=project, period=period).exists():
            raise ValidationError({"period": _("A report for this period is already scheduled.")})
        report = ProgressReport.objects.create(project=project, period=period, due_date=due)
        audit.record(audit.AuditAction.CREATE, report, actor=actor, changes=audit.snapshot(report))
        deadlines.open_deadline(
            report,
            DeadlineSpec("coop_report", (due - today).days, DayCount.CALENDAR),
            label=_("Progress report %(period)s: %(project)s") % {"period": period, "project": project},
            link=project.get_absolute_url(),
            responsible_organization=project.lead_organization,
            requester_organization=project.programme.organizer,
        )
        outbox.emit(
            "cooperation.report.scheduled",
            obj=report,
            actor=actor,
            title=_("Progress report due %(due)s: %(project)s")
            % {"due": due.isoformat(), "project": project},
            link=project.get_absolute_url(),
            recipients=members_of([project.lead_organization_id]),
            organizations=[project.lead_organization_id],
        )
    return report


def submit_report(
    report: ProgressReport, *, actor: User, content: str = "", reason: str = ""
) -> ProgressReport:
    """The lead organization submits its progress report (article 7: unified management)."""
    with transaction.atomic():
        report = _lock(report)
        REPORT_WORKFLOW.ensure(report, "submit", actor)
        report.content = _text(content, "content", max_length=50000)
        report.submitted_at = timezone.now()
        REPORT_WORKFLOW.apply(report, "submit", actor=actor, changed_fields=["content", "submitted_at"])
    return report


def start_midterm(project: Project, *, actor: User, reason: str = "") -> Project:
    """Open the mid-term review (article 7: unified management)."""
    return PROJECT_WORKFLOW.apply(project, "start_midterm", actor=actor, inputs={"reason": reason})


def pass_midterm(project: Project, *, actor: User, reason: str = "") -> Project:
    """Record the mid-term review's opinion (article 7: unified management)."""
    with transaction.atomic():
        project = _lock(project)
        PROJECT_WORKFLOW.ensure(project, "pass_midterm", actor)
        project.midterm_done = True
        project.midterm_opinion = _text(reason, "reason", max_length=10000)
        PROJECT_WORKFLOW.apply(
            project,
            "pass_midterm",
            actor=actor,
            inputs={"reason": reason},
            changed_fields=["midterm_done", "midterm_opinion"],
        )
    return project


def request_acceptance(project: Project, *, actor: User, reason: str = "") -> Project:
    """The lead organization applies for final acceptance (结题验收, article 7)."""
    with transaction.atomic():
        project = _lock(project)
        return PROJECT_WORKFLOW.apply(project, "request_acceptance", actor=actor, inputs={"reason": reason})


def _conclude(project: Project, name: str, *, actor: User, reason: str) -> Project:
    with transaction.atomic():
        project = _lock(project)
        PROJECT_WORKFLOW.ensure(project, name, actor)
        project.final_result = _text(reason, "reason", max_length=10000)
        PROJECT_WORKFLOW.apply(
            project, name, actor=actor, inputs={"reason": reason}, changed_fields=["final_result"]
        )
    return project


def accept_project(project: Project, *, actor: User, reason: str = "") -> Project:
    """Final acceptance passed, with the result (article 7)."""
    return _conclude(project, "accept", actor=actor, reason=reason)


def fail_project(project: Project, *, actor: User, reason: str = "") -> Project:
    """Final acceptance failed, with the reasons (article 7)."""
    return _conclude(project, "fail", actor=actor, reason=reason)


def record_disbursement(project: Project, *, actor: User, amount: Any, paid_on: Any) -> Disbursement:
    """A region records what it paid to its own organizations, never more than they requested
    (article 7: each region funds its own organizations)."""
    province = official_province_id(actor)
    if not province:
        raise refuse(actor, project, _("Only officials record disbursements."), action="disburse")
    amount = _money(amount, "amount", positive=True)
    paid = _date(paid_on, "paid_on")
    with transaction.atomic():
        project = _lock(project)
        granted = project.application.participants.filter(province_id=province).aggregate(s=Sum("budget"))[
            "s"
        ]
        if not granted:
            raise refuse(
                actor, project, _("Your region funds no organization of this project."), action="disburse"
            )
        so_far = project.disbursements.filter(region_id=province).aggregate(s=Sum("amount"))["s"] or Decimal(
            "0"
        )
        if so_far + amount > granted:
            raise ValidationError(
                {
                    "amount": _(
                        "Your region granted %(granted)s yuan and has paid %(paid)s; this would exceed it."
                    )
                    % {"granted": granted, "paid": so_far}
                }
            )
        d = Disbursement.objects.create(
            project=project, region_id=province, amount=amount, paid_on=paid, recorded_by=actor
        )
        audit.record(audit.AuditAction.CREATE, d, actor=actor, changes=audit.snapshot(d))
        outbox.emit(
            "cooperation.project.disbursed",
            obj=project,
            actor=actor,
            title=_("Funds paid: %(project)s") % {"project": project},
            body=f"{province} {amount}",
            link=project.get_absolute_url(),
            recipients=members_of(
                project.application.participants.filter(province_id=province).values_list(
                    "organization_id", flat=True
                )
            ),
            organizations=[project.lead_organization_id],
            payload={"region": province, "amount": str(amount)},
        )
    return d


# --------------------------------------------------------------------------- consortia and joint labs


def create_consortium(
    *,
    actor: User,
    kind: str,
    name: str,
    field: str,
    lead_organization: Organization | int,
    members: Iterable[Organization | int] = (),
    description: str = "",
) -> Consortium:
    """Register an innovation consortium or joint lab across the regions (article 8)."""
    if not (official_province_id(actor) or is_platform_admin(actor)):
        raise refuse(
            actor, None, _("Only officials keep the registry of consortia and joint labs."), action="register"
        )
    if kind not in ConsortiumKind.values:
        raise ValidationError({"kind": _("Choose a consortium or a joint laboratory.")})
    if field not in KeyField.values:
        raise ValidationError({"field": _("Choose a key field.")})
    name = _text(name, "name", max_length=200)
    ids = [m.pk if isinstance(m, Organization) else int(m) for m in members or []]
    lead_id = lead_organization.pk if isinstance(lead_organization, Organization) else lead_organization
    try:
        lead_id = int(lead_id)
    except (TypeError, ValueError):
        raise ValidationError({"lead_organization": _("Unknown organization.")}) from None
    ids = list(dict.fromkeys([lead_id, *ids]))
    orgs = Organization.objects.in_bulk(ids)
    if len(orgs) != len(ids):
        raise ValidationError({"members": _("Unknown organization.")})
    with transaction.atomic():
        if Consortium.objects.filter(name=name).exists():
            raise ValidationError({"name": _("A consortium or lab of this name is registered.")})
        c = Consortium.objects.create(
            kind=kind,
            name=name,
            field=field,
            lead_organization_id=lead_id,
            description=str(description or ""),
            created_by=actor,
        )
        ConsortiumMember.objects.bulk_create(
            [
                ConsortiumMember(consortium=c, organization=orgs[i], province_id=orgs[i].province_id)
                for i in ids
            ]
        )
        audit.record(audit.AuditAction.CREATE, c, actor=actor, changes=audit.snapshot(c))
    return c


def _org_id(value: Any, field: str = "organization") -> int:
    try:
        return int(value.pk if isinstance(value, Organization) else value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Unknown organization.")}) from None


def _require_member_keeper(actor: User, consortium: Consortium, org: Organization, *, action: str) -> None:
    """Officials of the member's region, or of the lead organization's region, keep the membership."""
    if is_platform_admin(actor):
        return
    province = official_province_id(actor)
    lead_province = (
        Organization.objects.filter(pk=consortium.lead_organization_id)
        .values_list("province_id", flat=True)
        .first()
    )
    if province and province in (org.province_id, lead_province):
        return
    raise refuse(
        actor,
        consortium,
        _("Only officials of the member's region or of the lead organization's region may do this."),
        action=action,
    )


def add_consortium_member(
    consortium: Consortium, *, actor: User, organization: Organization | int
) -> ConsortiumMember:
    """Add a member organization to a consortium or joint lab: officials of the member's region or of
    the lead's region (article 8)."""
    try:
        org = Organization.objects.get(pk=_org_id(organization))
    except Organization.DoesNotExist:
        raise ValidationError({"organization": _("Unknown organization.")}) from None
    with transaction.atomic():
        consortium = _lock(consortium)
        _require_member_keeper(actor, consortium, org, action="add_member")
        if consortium.status == ConsortiumStatus.DISSOLVED:
            raise TransitionNotAllowed(_("The consortium is dissolved; its membership is closed."))
        if org.kind == OrganizationKind.AGENCY:
            raise ValidationError({"organization": _("Government agencies cannot be members.")})
        if consortium.members.filter(organization=org).exists():
            raise ValidationError({"organization": _("Already a member.")})
        m = ConsortiumMember.objects.create(
            consortium=consortium,
            organization=org,
            province_id=org.province_id,
            joined_on=timezone.localdate(),
        )
        audit.record(
            audit.AuditAction.UPDATE,
            consortium,
            actor=actor,
            changes={"members": [None, org.pk]},
            message=f"member {org.pk} added",
        )
        outbox.emit(
            "cooperation.consortium.member_added",
            obj=consortium,
            actor=actor,
            title=_("%(org)s joined %(consortium)s") % {"org": org.name, "consortium": consortium.name},
            link=consortium.get_absolute_url(),
            recipients=members_of([org.pk]),
            organizations=[org.pk],
            payload={"organization": org.pk},
        )
    return m


def remove_consortium_member(
    consortium: Consortium, *, actor: User, organization: Organization | int
) -> None:
    """Remove a member organization (not the lead): officials of the member's region or of the lead's
    region (article 8)."""
    org_id = _org_id(organization)
    with transaction.atomic():
        consortium = _lock(consortium)
        member = (
            consortium.members.select_for_update()
            .select_related("organization")
            .filter(organization_id=org_id)
            .first()
        )
        if member is None:
            raise ValidationError({"organization": _("This organization is not a member.")})
        org = member.organization
        _require_member_keeper(actor, consortium, org, action="remove_member")
        if consortium.status == ConsortiumStatus.DISSOLVED:
            raise TransitionNotAllowed(_("The consortium is dissolved; its membership is closed."))
        if org.pk == consortium.lead_organization_id:
            raise ValidationError({"organization": _("The lead organization cannot be removed.")})
        member.delete()
        audit.record(
            audit.AuditAction.UPDATE,
            consortium,
            actor=actor,
            changes={"members": [org.pk, None]},
            message=f"member {org.pk} removed",
        )
        outbox.emit(
            "cooperation.consortium.member_removed",
            obj=consortium,
            actor=actor,
            title=_("%(org)s left %(consortium)s") % {"org": org.name, "consortium": consortium.name},
            link=consortium.get_absolute_url(),
            recipients=members_of([org.pk]),
            organizations=[org.pk],
            payload={"organization": org.pk},
        )


def activate_consortium(consortium: Consortium, *, actor: User, reason: str = "") -> Consortium:
    """The consortium or lab starts work (article 8)."""
    return CONSORTIUM_WORKFLOW.apply(consortium, "activate", actor=actor, inputs={"reason": reason})


def dissolve_consortium(consortium: Consortium, *, actor: User, reason: str = "") -> Consortium:
    """The consortium or lab is dissolved, with the reason (article 8)."""
    return CONSORTIUM_WORKFLOW.apply(consortium, "dissolve", actor=actor, inputs={"reason": reason})


def can_assign(user: User, application: Application) -> bool:
    return bool(can(user, "assign_expert", application)) and is_programme_official(
        user, application.programme
    )
