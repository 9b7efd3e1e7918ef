"""Reads of this app, scoped to the user and prefetched for what the page shows: a list costs a fixed
number of queries whatever its length."""

from __future__ import annotations

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet

from portal.models import StateChange, User, content_type_for
from portal.permissions import visible

from .models import (
    SCORE_CRITERIA,
    SCORE_MAX,
    Application,
    ApplicationState,
    Consortium,
    ConsortiumMember,
    Participant,
    Programme,
    ProgressReport,
    Project,
    RegionDecision,
    Review,
    ReviewState,
    Topic,
)
from .permissions import can_see_scores, is_programme_official

__all__ = [
    "programme_list",
    "topic_list",
    "application_list",
    "review_list",
    "project_list",
    "report_list",
    "consortium_list",
    "ranking",
    "history",
    "panel_outcome",
    "RANKED_STATES",
    "DECIDED_STATES",
    "submitted_reviews_prefetch",
]

RANKED_STATES = (
    ApplicationState.UNDER_REVIEW,
    ApplicationState.DECISION_PENDING,
    ApplicationState.APPROVED,
    ApplicationState.REJECTED,
)


DECIDED_STATES = (ApplicationState.APPROVED, ApplicationState.REJECTED)


def submitted_reviews_prefetch() -> Prefetch:
    """Prefetch of the submitted reviews an application's panel outcome is computed from."""
    return Prefetch(
        "reviews",
        queryset=Review.objects.filter(state=ReviewState.SUBMITTED).only(
            "pk", "application_id", "state", "comments", *SCORE_CRITERIA
        ),
        to_attr="submitted_reviews",
    )


def panel_outcome(application: Application) -> dict | None:
    """The panel's outcome for one application once the regions have decided: how many experts scored
    it, the average per criterion and in total, and their comments without their names. Nothing before
    the decision, and never the ranking or another application's scores."""
    if application.state not in DECIDED_STATES:
        return None
    reviews = getattr(application, "submitted_reviews", None)
    if reviews is None:
        reviews = list(
            application.reviews.filter(state=ReviewState.SUBMITTED).only(
                "pk", "application_id", "state", "comments", *SCORE_CRITERIA
            )
        )
    reviews = sorted(reviews, key=lambda r: r.pk)
    n = len(reviews)

    def avg(values):
        return round(sum(values) / n, 2) if n else None

    return {
        "reviews": n,
        "criteria": {c: avg([getattr(r, c) for r in reviews]) for c in SCORE_CRITERIA},
        "average_total": avg([sum(getattr(r, c) for c in SCORE_CRITERIA) for r in reviews]),
        "max_total": SCORE_MAX * len(SCORE_CRITERIA),
        "comments": [r.comments for r in reviews if r.comments],
    }


def programme_list(*, user: User) -> QuerySet[Programme]:
    return visible(
        user,
        Programme.objects.select_related("lead_region", "organizer").prefetch_related(
            "region_shares__region", "topics"
        ),
    )


def topic_list(*, user: User) -> QuerySet[Topic]:
    return visible(user, Topic.objects.select_related("programme"))


def application_list(*, user: User) -> QuerySet[Application]:
    return visible(
        user,
        Application.objects.select_related("programme", "topic", "lead_organization").prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("organization", "province"),
            ),
            "region_decisions__region",
        ),
    )


# What a list of applications shows (the API list, the page and its export): not the research plan, not
# the programme's guide, not every column of the organizations (bench, issue 10).
APPLICATION_LIST_COLUMNS = (
    "id",
    "programme__title",
    "topic__code",
    "topic__title",
    "topic__field",
    "title",
    "lead_organization__name",
    "state",
    "submitted_at",
    "decided_at",
    "created_at",
)
PARTICIPANT_LIST_COLUMNS = (
    "id",
    "application_id",
    "organization_id",
    "province_id",
    "is_lead",
    "principal_investigator",
    "budget",
)
DECISION_LIST_COLUMNS = ("id", "application_id", "region_id", "approved", "reason", "decided_at")


def application_rows(*, user: User, decisions: bool = True) -> QuerySet[Application]:
    """Applications for a list: the columns of APPLICATION_LIST_COLUMNS; in ``participant_rows`` each
    participant's budget, region and the names ``organization_name`` and ``province_name``, in
    ``decision_rows`` the regions' decisions (the API list's; without ``decisions`` not read: the page
    and its export do not show them, a query and fifty rows fewer).

    Plain lists, not the related managers: a prefetch into a manager clones a queryset for every
    application and relation, and every read of ``application.participants`` builds a new manager
    (fifty applications: a hundred clones and three hundred managers per list). The two names are
    columns of the participants' query, not joined organization and region objects: three hundred
    model instances fewer per page of fifty (bench, issue 10)."""
    participants = Participant.objects.only(*PARTICIPANT_LIST_COLUMNS).annotate(
        organization_name=F("organization__name"), province_name=F("province__name")
    )
    prefetches = [Prefetch("participants", queryset=participants, to_attr="participant_rows")]
    if decisions:
        decision_rows = RegionDecision.objects.only(*DECISION_LIST_COLUMNS)
        prefetches.append(Prefetch("region_decisions", queryset=decision_rows, to_attr="decision_rows"))
    return visible(
        user,
        Application.objects.select_related("programme", "topic", "lead_organization")
        .only(*APPLICATION_LIST_COLUMNS)
        .prefetch_related(*prefetches),
    )


def review_list(*, user: User) -> QuerySet[Review]:
    return visible(
        user,
        Review.objects.select_related(
            "application__programme", "application__topic", "application__lead_organization", "expert"
        ),
    )


def project_list(*, user: User) -> QuerySet[Project]:
    return visible(
        user,
        Project.objects.select_related(
            "programme", "lead_organization", "application__topic"
        ).prefetch_related("milestones", "reports", "disbursements__region"),
    )


def report_list(*, user: User) -> QuerySet[ProgressReport]:
    return visible(
        user, ProgressReport.objects.select_related("project__programme", "project__lead_organization")
    )


def consortium_list(*, user: User) -> QuerySet[Consortium]:
    return visible(
        user,
        Consortium.objects.select_related("lead_organization").prefetch_related(
            Prefetch("members", queryset=ConsortiumMember.objects.select_related("organization", "province"))
        ),
    )


def ranking(*, user: User, programme: Programme, topic: Topic | None = None) -> list[Application]:
    """The panel's ranking per topic: average total score of the submitted reviews, best first. Only
    for the officials of the programme's regions; callers check ``can_see_ranking`` first."""
    submitted = Q(reviews__state=ReviewState.SUBMITTED)
    total = (
        F("reviews__innovation")
        + F("reviews__feasibility")
        + F("reviews__team")
        + F("reviews__collaboration")
    )
    qs = (
        Application.objects.filter(programme=programme, state__in=RANKED_STATES)
        .select_related("topic", "lead_organization")
        .annotate(score=Avg(total, filter=submitted), review_count=Count("reviews", filter=submitted))
        .order_by("topic__code", F("score").desc(nulls_last=True), "pk")
    )
    if topic is not None:
        qs = qs.filter(topic=topic)
    rows = list(qs)
    rank, current = 0, None
    for row in rows:
        if row.topic_id != current:
            rank, current = 0, row.topic_id
        rank += 1
        row.rank = rank
    return rows


def can_see_ranking(user: User, programme: Programme) -> bool:
    from portal.permissions import is_platform_admin

    return is_platform_admin(user) or is_programme_official(user, programme)


def history(obj) -> QuerySet[StateChange]:
    return StateChange.objects.filter(
        content_type=content_type_for(obj), object_id=str(obj.pk)
    ).select_related("actor")


__all__ += ["can_see_ranking", "can_see_scores"]
