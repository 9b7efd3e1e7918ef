"""Records of the joint basic-research special programme (articles 7, 8 and 12 of the Tianjin decision):
programmes with topics and regional budgets, multi-region applications with their budget split, expert
reviews, joint decisions per funding region, projects with milestones, reports and disbursements, and
the registry of innovation consortia and joint labs."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.models import Organization, Region, User

__all__ = [
    "KeyField",
    "ProgrammeState",
    "Programme",
    "ProgrammeRegion",
    "Topic",
    "ApplicationState",
    "Application",
    "Participant",
    "RegionDecision",
    "ExpertField",
    "ReviewState",
    "Review",
    "ProjectState",
    "Project",
    "Milestone",
    "ReportState",
    "ProgressReport",
    "Disbursement",
    "ConsortiumKind",
    "ConsortiumStatus",
    "Consortium",
    "ConsortiumMember",
    "SCORE_CRITERIA",
    "SCORE_MAX",
]

MONEY = {"max_digits": 14, "decimal_places": 2}


class KeyField(models.TextChoices):
    """The key fields article 8 names, and "other"."""

    SOFTWARE_HARDWARE = "software_hardware", _("Basic software and hardware")
    COMMUNICATIONS = "communications", _("Advanced communications")
    NEV_ICV = "nev_icv", _("New-energy and intelligent connected vehicles")
    BRAIN = "brain", _("Brain science")
    BIOPHARMA = "biopharma", _("Biopharmaceuticals")
    TCM_COMPONENTS = "tcm_components", _("Component-based traditional Chinese medicine")
    OTHER = "other", _("Other")


# --------------------------------------------------------------------------- programmes


class ProgrammeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVING = "approving", _("Awaiting the regions' approval")
    OPEN = "open", _("Open for applications")
    CLOSED = "closed", _("Closed, under review")
    FINISHED = "finished", _("Finished")


class Programme(models.Model):
    """A joint special programme (专项): planned, approved and published jointly by the regions."""

    year = models.PositiveIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    guide = models.TextField(_("guide"), blank=True)
    lead_region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("lead region"))
    organizer = models.ForeignKey(
        Organization, models.PROTECT, related_name="+", verbose_name=_("organizing agency")
    )
    regions = models.ManyToManyField(
        Region, through="ProgrammeRegion", related_name="+", verbose_name=_("participating regions")
    )
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(_("applications close"))
    min_regions = models.PositiveSmallIntegerField(_("minimum regions per team"), default=2)
    funding_cap = models.DecimalField(_("funding cap per project (yuan)"), **MONEY)
    state = models.CharField(
        _("state"), max_length=16, choices=ProgrammeState.choices, default=ProgrammeState.DRAFT
    )
    created_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("joint programme")
        verbose_name_plural = _("joint programmes")
        constraints = [
            models.UniqueConstraint(fields=["year", "title"], name="coop_programme_unique_title"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="coop_programme_window"),
            models.CheckConstraint(condition=Q(min_regions__gte=2), name="coop_programme_min_regions"),
            models.CheckConstraint(condition=Q(funding_cap__gt=0), name="coop_programme_cap_positive"),
        ]
        indexes = [models.Index(fields=["state", "year"])]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:programme_detail", args=[self.pk])


class ProgrammeRegion(models.Model):
    """A region taking part in a programme: the budget it commits and its coordinator's approval."""

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="region_shares")
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    budget = models.DecimalField(_("committed budget (yuan)"), **MONEY)
    allocated = models.DecimalField(
        _("funding approved (yuan)"),
        default=Decimal("0"),
        help_text=_("What this region has approved for its own organizations in the programme's projects."),
        **MONEY,
    )
    approved_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        ordering = ["region_id"]
        verbose_name = _("participating region")
        verbose_name_plural = _("participating regions")
        constraints = [
            models.UniqueConstraint(fields=["programme", "region"], name="coop_programme_region_unique"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="coop_programme_region_budget"),
            # the funding a region approves never exceeds what it committed (article 7: each region
            # funds its own organizations within its commitment)
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=F("budget")),
                name="coop_programme_region_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(region__in=["110000", "120000", "130000"]), name="coop_programme_region_province"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.region}"

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.allocated


class Topic(models.Model):
    """A research direction (方向) of a programme, in one key field."""

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="topics")
    code = models.CharField(_("code"), max_length=16)
    title = models.CharField(_("title"), max_length=200)
    field = models.CharField(_("key field"), max_length=32, choices=KeyField.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["programme_id", "code"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="coop_topic_unique_code")]
        indexes = [models.Index(fields=["field"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


# --------------------------------------------------------------------------- applications


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, formal check")
    RETURNED = "returned", _("Returned for changes")
    UNDER_REVIEW = "under_review", _("Expert review")
    DECISION_PENDING = "decision_pending", _("Decision pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    programme = models.ForeignKey(
        Programme, models.PROTECT, related_name="applications", verbose_name=_("programme")
    )
    topic = models.ForeignKey(Topic, models.PROTECT, related_name="applications", verbose_name=_("topic"))
    title = models.CharField(_("title"), max_length=200)
    lead_organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="+", verbose_name=_("lead organization")
    )
    research_plan = models.TextField(_("research plan"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ApplicationState.choices, default=ApplicationState.DRAFT
    )
    created_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("created by"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            # the lists' newest-first order (bench: a top-N sort of tens of thousands of rows without it)
            models.Index(fields=["-created_at", "-id"], name="coop_application_newest"),
            models.Index(fields=["programme", "state"]),
            models.Index(fields=["topic", "state"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cooperation:application_detail", args=[self.pk])


class Participant(models.Model):
    """An organization of the team, its principal investigator and its share of the budget. Each
    region funds its own organizations, so the region is the organization's province."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="participants")
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    province = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("funding region"))
    is_lead = models.BooleanField(_("lead"), default=False)
    principal_investigator = models.CharField(_("principal investigator"), max_length=100)
    budget = models.DecimalField(_("budget requested (yuan)"), **MONEY)

    class Meta:
        ordering = ["-is_lead", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["application", "organization"], name="coop_participant_unique"),
            models.UniqueConstraint(
                fields=["application"], condition=Q(is_lead=True), name="coop_participant_one_lead"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="coop_participant_budget"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.principal_investigator})"


class RegionDecision(models.Model):
    """One funding region's part of the joint decision on an application."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="region_decisions")
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    approved = models.BooleanField(_("approved"))
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_id"]
        verbose_name = _("region decision")
        verbose_name_plural = _("region decisions")
        constraints = [
            models.UniqueConstraint(fields=["application", "region"], name="coop_decision_once_per_region"),
            models.CheckConstraint(
                condition=Q(approved=True) | ~Q(reason=""), name="coop_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.region_id} · {'+' if self.approved else '-'}"


# --------------------------------------------------------------------------- expert review


class ExpertField(models.Model):
    """A key field an expert reviewer works in; the assignment form offers a topic's experts first."""

    expert = models.ForeignKey(User, models.CASCADE, related_name="coop_fields", verbose_name=_("expert"))
    field = models.CharField(_("key field"), max_length=32, choices=KeyField.choices)

    class Meta:
        ordering = ["expert_id", "field"]
        verbose_name = _("expert's key field")
        verbose_name_plural = _("experts' key fields")
        constraints = [models.UniqueConstraint(fields=["expert", "field"], name="coop_expert_field_unique")]
        indexes = [models.Index(fields=["field"])]

    def __str__(self) -> str:
        return f"{self.expert} · {self.get_field_display()}"


SCORE_CRITERIA = ("innovation", "feasibility", "team", "collaboration")
SCORE_MAX = 25


class ReviewState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    SUBMITTED = "submitted", _("Submitted")
    CONFLICT = "conflict", _("Conflict of interest declared")


class Review(models.Model):
    """An expert's assignment to an application, and the scores per criterion once submitted."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="reviews")
    expert = models.ForeignKey(User, models.PROTECT, related_name="coop_reviews", verbose_name=_("expert"))
    assigned_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"), max_length=16, choices=ReviewState.choices, default=ReviewState.ASSIGNED
    )
    innovation = models.PositiveSmallIntegerField(_("innovation"), null=True, blank=True)
    feasibility = models.PositiveSmallIntegerField(_("feasibility"), null=True, blank=True)
    team = models.PositiveSmallIntegerField(_("team"), null=True, blank=True)
    collaboration = models.PositiveSmallIntegerField(_("regional collaboration"), null=True, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    conflict_reason = models.TextField(_("conflict of interest"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["application", "expert"], name="coop_review_once_per_expert"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{c}__isnull": True}) | Q(**{f"{c}__lte": SCORE_MAX}),
                    name=f"coop_review_{c}_max",
                )
                for c in SCORE_CRITERIA
            ],
            models.CheckConstraint(
                condition=~Q(state="submitted")
                | (
                    Q(innovation__isnull=False)
                    & Q(feasibility__isnull=False)
                    & Q(team__isnull=False)
                    & Q(collaboration__isnull=False)
                ),
                name="coop_review_submitted_has_scores",
            ),
        ]
        indexes = [models.Index(fields=["expert", "state"])]

    def __str__(self) -> str:
        return f"{self.application} · {self.expert}"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:review_detail", args=[self.pk])

    @property
    def total(self) -> int | None:
        if self.state != ReviewState.SUBMITTED:
            return None
        return sum(getattr(self, c) or 0 for c in SCORE_CRITERIA)


# --------------------------------------------------------------------------- projects


class ProjectState(models.TextChoices):
    ONGOING = "ongoing", _("Ongoing")
    MIDTERM = "midterm", _("Mid-term review")
    ACCEPTANCE = "acceptance", _("Final acceptance under way")
    ACCEPTED = "accepted", _("Accepted (concluded)")
    FAILED = "failed", _("Failed acceptance")


class Project(models.Model):
    application = models.OneToOneField(Application, models.PROTECT, related_name="project")
    programme = models.ForeignKey(Programme, models.PROTECT, related_name="projects")
    code = models.CharField(_("project number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    lead_organization = models.ForeignKey(Organization, models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"), max_length=16, choices=ProjectState.choices, default=ProjectState.ONGOING
    )
    midterm_done = models.BooleanField(_("mid-term review passed"), default=False)
    midterm_opinion = models.TextField(_("mid-term opinion"), blank=True)
    final_result = models.TextField(_("acceptance result"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [models.Index(fields=["programme", "state"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:project_detail", args=[self.pk])


class Milestone(models.Model):
    project = models.ForeignKey(Project, models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class ReportState(models.TextChoices):
    DUE = "due", _("Due")
    SUBMITTED = "submitted", _("Submitted")


class ProgressReport(models.Model):
    project = models.ForeignKey(Project, models.CASCADE, related_name="reports")
    period = models.CharField(_("period"), max_length=50)
    due_date = models.DateField(_("due"))
    state = models.CharField(_("state"), max_length=16, choices=ReportState.choices, default=ReportState.DUE)
    content = models.TextField(_("content"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.UniqueConstraint(fields=["project", "period"], name="coop_report_unique_period"),
            models.CheckConstraint(
                condition=Q(state="due") | (~Q(content="") & Q(submitted_at__isnull=False)),
                name="coop_report_submitted_has_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:project_detail", args=[self.project_id])


class Disbursement(models.Model):
    """Money a region paid to its own organizations in a project."""

    project = models.ForeignKey(Project, models.PROTECT, related_name="disbursements")
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="coop_disbursement_positive")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.region_id} · {self.amount}"


# --------------------------------------------------------------------------- consortia and joint labs


class ConsortiumKind(models.TextChoices):
    CONSORTIUM = "consortium", _("Innovation consortium")
    JOINT_LAB = "joint_lab", _("Joint laboratory")


class ConsortiumStatus(models.TextChoices):
    FORMING = "forming", _("Forming")
    ACTIVE = "active", _("Active")
    DISSOLVED = "dissolved", _("Dissolved")


class Consortium(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=ConsortiumKind.choices)
    name = models.CharField(_("name"), max_length=200, unique=True)
    field = models.CharField(_("key field"), max_length=32, choices=KeyField.choices)
    lead_organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="+", verbose_name=_("lead organization")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ConsortiumStatus.choices, default=ConsortiumStatus.FORMING
    )
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("consortium or joint lab")
        verbose_name_plural = _("consortia and joint labs")
        indexes = [models.Index(fields=["kind", "field", "status"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cooperation:consortium_detail", args=[self.pk])


class ConsortiumMember(models.Model):
    consortium = models.ForeignKey(Consortium, models.CASCADE, related_name="members")
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="+")
    province = models.ForeignKey(Region, models.PROTECT, related_name="+")
    joined_on = models.DateField(_("joined"), null=True, blank=True)

    class Meta:
        ordering = ["province_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "organization"], name="coop_consortium_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consortium_id} · {self.organization_id}"
