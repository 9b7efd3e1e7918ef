"""The whole process by the REST API, and each refusal, on real PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from cooperation.models import (
    Application,
    ApplicationState,
    Programme,
    ProgrammeState,
    Project,
    ProjectState,
    ReviewState,
)
from portal import deadlines
from portal.models import AuditEntry, Deadline, Event, StateChange
from tests.conftest import api_as
from tests.cooperation.factories import Cast, draft, open_programme, team

pytestmark = pytest.mark.django_db

API = "/api/v1/cooperation"


@pytest.fixture
def cast():
    return Cast()


def post(user, url, data=None, fmt="json"):
    return api_as(user).post(url, data or {}, format=fmt)


def test_programme_is_published_jointly_only_when_every_region_approves(cast):
    body = {
        "year": 2026,
        "title": "京津冀基础研究合作专项",
        "guide": "统一规划",
        "opens_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "closes_at": (timezone.now() + datetime.timedelta(days=30)).isoformat(),
        "funding_cap": "3000000.00",
        "min_regions": 2,
        "regions": [
            {"region": "110000", "budget": "5000000"},
            {"region": "120000", "budget": "5000000"},
            {"region": "130000", "budget": "2000000"},
        ],
        "topics": [{"code": "T1", "title": "类脑智能", "field": "brain"}],
    }
    r = post(cast.tj_officer, f"{API}/programmes/", body)
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert r.json()["lead_region"] == "120000"
    # an enterprise member may not set up programmes
    assert post(cast.applicant, f"{API}/programmes/", body | {"title": "x"}).status_code == 403
    # the refusal is in the audit log although nothing else was written
    assert AuditEntry.objects.filter(action="permission_denied", actor=cast.applicant).exists()
    # applicants do not see a draft programme
    assert api_as(cast.applicant).get(f"{API}/programmes/{pid}/").status_code == 404

    assert post(cast.tj_officer, f"{API}/programmes/{pid}/transition/submit_for_approval/").status_code == 200
    # an agency officer (not a coordinator) may not approve
    assert post(cast.bj_officer, f"{API}/programmes/{pid}/transition/approve/").status_code == 403
    r = post(cast.bj_coord, f"{API}/programmes/{pid}/transition/approve/")
    assert r.status_code == 200 and r.json()["state"] == ProgrammeState.APPROVING
    # the same region cannot approve twice
    assert post(cast.bj_coord, f"{API}/programmes/{pid}/transition/approve/").status_code == 403
    assert post(cast.tj_coord, f"{API}/programmes/{pid}/transition/approve/").json()["state"] == "approving"
    r = post(cast.hb_coord, f"{API}/programmes/{pid}/transition/approve/")
    assert r.json()["state"] == ProgrammeState.OPEN
    # written as the API writes its date-time fields (+08:00), not in UTC by the JSON encoder
    assert all(x["approved_at"].endswith("+08:00") for x in r.json()["regions"])
    assert api_as(cast.applicant).get(f"{API}/programmes/{pid}/").status_code == 200
    assert StateChange.objects.filter(object_id=str(pid), transition="publish").count() == 1


def test_programme_input_errors_name_the_field(cast):
    r = post(cast.tj_officer, f"{API}/programmes/", {"year": "x", "title": ""})
    assert r.status_code == 400
    assert {"year", "title"} <= set(r.json()["error"]["fields"])
    body = {
        "year": 2026,
        "title": "t",
        "opens_at": "2026-03-01T00:00:00+08:00",
        "closes_at": "2026-02-01T00:00:00+08:00",
        "funding_cap": "1",
        "regions": [{"region": "120000", "budget": "1"}, {"region": "110000", "budget": "1"}],
        "topics": [{"code": "A", "title": "a", "field": "brain"}],
    }
    r = post(cast.tj_officer, f"{API}/programmes/", body)
    assert r.status_code == 400 and "closes_at" in r.json()["error"]["fields"]
    assert not Programme.objects.exists()


def test_application_walks_from_draft_to_final_acceptance(cast):
    programme, topic = open_programme(cast)
    body = {
        "programme": programme.pk,
        "topic": topic.pk,
        "title": "类脑芯片联合攻关",
        "research_plan": "计划",
        "participants": team(cast),
    }
    r = post(cast.applicant, f"{API}/applications/", body)
    assert r.status_code == 201, r.content
    aid = r.json()["id"]
    assert r.json()["budget_by_region"] == {"110000": "800000.00", "120000": "700000.00"}
    # the draft is saved and can be changed
    r = api_as(cast.applicant).put(f"{API}/applications/{aid}/", body | {"title": "类脑芯片"}, format="json")
    assert r.status_code == 200 and r.json()["title"] == "类脑芯片"
    # officials do not see drafts
    assert api_as(cast.tj_officer).get(f"{API}/applications/{aid}/").status_code == 404

    r = post(cast.applicant, f"{API}/applications/{aid}/transition/submit/")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == ApplicationState.SUBMITTED
    app = Application.objects.get(pk=aid)
    assert Deadline.objects.get(object_id=str(aid), kind="coop_formal_check").responsible_organization_id == (
        cast.tj_officer.organization_id
    )
    # the formal check returns it with a reason
    assert (
        post(cast.tj_officer, f"{API}/applications/{aid}/transition/return_for_changes/").status_code == 400
    )
    r = post(
        cast.tj_officer,
        f"{API}/applications/{aid}/transition/return_for_changes/",
        {"reason": "补充预算说明"},
    )
    assert r.json()["state"] == ApplicationState.RETURNED
    assert post(cast.applicant, f"{API}/applications/{aid}/transition/submit/").json()["state"] == "submitted"
    # a Beijing official (not the lead region) cannot do the formal check
    assert post(cast.bj_officer, f"{API}/applications/{aid}/transition/accept/").status_code == 403
    assert (
        post(cast.tj_officer, f"{API}/applications/{aid}/transition/accept/").json()["state"]
        == "under_review"
    )

    # experts
    r = post(cast.bj_coord, f"{API}/applications/{aid}/assign-expert/", {"expert": cast.expert1.pk})
    assert r.status_code == 201, r.content
    rev1 = r.json()["id"]
    rev2 = post(
        cast.tj_coord, f"{API}/applications/{aid}/assign-expert/", {"expert": cast.expert2.pk}
    ).json()["id"]
    assert Deadline.objects.filter(kind="coop_review", status="open").count() == 2
    # the expert sees the application and their own review only
    assert api_as(cast.expert1).get(f"{API}/applications/{aid}/").status_code == 200
    assert [x["id"] for x in api_as(cast.expert1).get(f"{API}/reviews/").json()["results"]] == [rev1]
    scores = {"innovation": 22, "feasibility": 20, "team": 21, "collaboration": 23, "comments": "方向一致"}
    r = post(cast.expert1, f"{API}/reviews/{rev1}/transition/submit/", scores | {"innovation": 26})
    assert r.status_code == 400 and "innovation" in r.json()["error"]["fields"]
    assert post(cast.expert1, f"{API}/reviews/{rev1}/transition/submit/", scores).json()["total"] == 86
    # the review can't be closed while an expert has not answered
    r = post(cast.tj_coord, f"{API}/applications/{aid}/transition/finish_review/")
    assert r.status_code == 400 and "reviews" in r.json()["error"]["fields"]
    assert (
        post(cast.expert2, f"{API}/reviews/{rev2}/transition/submit/", scores | {"team": 10}).status_code
        == 200
    )
    # only the lead region's coordinator closes the review
    assert post(cast.tj_officer, f"{API}/applications/{aid}/transition/finish_review/").status_code == 403
    r = post(cast.tj_coord, f"{API}/applications/{aid}/transition/finish_review/")
    assert r.json()["state"] == ApplicationState.DECISION_PENDING
    assert set(Deadline.objects.filter(object_id=str(aid), status="open").values_list("kind", flat=True)) == {
        "coop_decision_110000",
        "coop_decision_120000",
    }

    # Hebei funds nobody in this team: it does not decide
    assert post(cast.hb_coord, f"{API}/applications/{aid}/transition/approve/").status_code == 403
    r = post(cast.bj_officer, f"{API}/applications/{aid}/transition/approve/")
    assert r.json()["state"] == ApplicationState.DECISION_PENDING
    assert post(cast.bj_coord, f"{API}/applications/{aid}/transition/approve/").status_code == 403  # decided
    r = post(cast.tj_officer, f"{API}/applications/{aid}/transition/approve/")
    assert r.json()["state"] == ApplicationState.APPROVED
    assert [d["approved"] for d in r.json()["decisions"]] == [True, True]
    assert r.json()["decided_at"].endswith("+08:00")
    assert all(d["decided_at"].endswith("+08:00") for d in r.json()["decisions"])
    project = Project.objects.get(application_id=aid)
    assert not Deadline.objects.filter(object_id=str(aid), status="open").exists()

    # the project: milestones, a report with its deadline, mid-term, funds, final acceptance
    purl = f"{API}/projects/{project.pk}"
    assert api_as(cast.applicant).get(f"{purl}/").status_code == 200
    assert (
        post(
            cast.applicant, f"{purl}/milestones/", {"title": "样片流片", "due_date": "2027-06-30"}
        ).status_code
        == 201
    )
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    assert post(cast.applicant, f"{purl}/reports/", {"period": "2026H2", "due_date": due}).status_code == 403
    r = post(cast.tj_officer, f"{purl}/reports/", {"period": "2026H2", "due_date": due})
    assert r.status_code == 201
    report_id = r.json()["reports"][0]["id"]
    assert (
        post(cast.applicant, f"{purl}/transition/request_acceptance/").status_code == 403
    )  # no mid-term yet
    assert post(cast.tj_officer, f"{purl}/transition/start_midterm/").json()["state"] == ProjectState.MIDTERM
    assert post(cast.tj_officer, f"{purl}/transition/pass_midterm/", {"reason": "进展良好"}).json()[
        "midterm_done"
    ]
    r = post(cast.applicant, f"{API}/reports/{report_id}/transition/submit/", {"content": "已完成样片设计"})
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    r = post(cast.bj_officer, f"{purl}/disbursements/", {"amount": "900000", "paid_on": "2026-12-01"})
    assert r.status_code == 400 and "amount" in r.json()["error"]["fields"]  # more than Beijing granted
    r = post(cast.bj_officer, f"{purl}/disbursements/", {"amount": "400000", "paid_on": "2026-12-01"})
    assert r.json()["disbursed"] == {"110000": "400000.00"}
    assert (
        post(cast.hb_coord, f"{purl}/disbursements/", {"amount": "1", "paid_on": "2026-12-01"}).status_code
        == 403
    )
    assert post(cast.applicant, f"{purl}/transition/request_acceptance/").json()["state"] == "acceptance"
    r = post(cast.tj_officer, f"{purl}/transition/accept/", {"reason": "通过结题验收"})
    assert r.json()["state"] == ProjectState.ACCEPTED and r.json()["final_result"] == "通过结题验收"

    # every step was audited and emitted
    ct = ContentType.objects.get_for_model(Application)
    assert StateChange.objects.filter(content_type=ct, object_id=str(aid)).count() == 7
    assert Event.objects.filter(type="cooperation.application.approve").count() == 1
    assert AuditEntry.objects.filter(content_type=ct, action="transition", object_id=str(aid)).count() == 7
    assert app.pk == aid


def test_single_region_team_is_refused_with_a_clear_message(cast):
    programme, topic = open_programme(cast)
    other_bj = cast.expert2.organization  # an institute in Beijing
    app = draft(
        cast,
        programme,
        topic,
        participants=[
            {"organization": cast.applicant.organization_id, "principal_investigator": "李四", "budget": "1"},
            {"organization": other_bj.pk, "principal_investigator": "赵六", "budget": "1"},
        ],
    )
    r = post(cast.applicant, f"{API}/applications/{app.pk}/transition/submit/")
    assert r.status_code == 400
    message = r.json()["error"]["fields"]["participants"][0]
    assert "至少 2 个地区" in message  # Chinese by default
    r = api_as(cast.applicant).post(
        f"{API}/applications/{app.pk}/transition/submit/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "at least 2 of the regions" in r.json()["error"]["fields"]["participants"][0]
    app.refresh_from_db()
    assert app.state == ApplicationState.DRAFT
    assert not Deadline.objects.filter(object_id=str(app.pk)).exists()


def test_budget_over_the_cap_is_refused(cast):
    programme, topic = open_programme(cast)
    app = draft(cast, programme, topic, participants=team(cast, budget_bj="2500000", budget_tj="600000"))
    r = post(cast.applicant, f"{API}/applications/{app.pk}/transition/submit/")
    assert r.status_code == 400 and "budget" in r.json()["error"]["fields"]


def test_late_submission_after_the_window_is_refused(cast):
    programme, topic = open_programme(cast)
    app = draft(cast, programme, topic)
    Programme.objects.filter(pk=programme.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    r = post(cast.applicant, f"{API}/applications/{app.pk}/transition/submit/")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "window_closed"
    assert Application.objects.get(pk=app.pk).state == ApplicationState.DRAFT


def test_wrong_role_and_wrong_state_are_refused(cast):
    programme, topic = open_programme(cast)
    app = draft(cast, programme, topic)
    # the partner organization is in the team but does not lead it
    assert post(cast.partner, f"{API}/applications/{app.pk}/transition/submit/").status_code == 403
    # an outsider does not even see it
    assert post(cast.outsider, f"{API}/applications/{app.pk}/transition/submit/").status_code == 404
    post(cast.applicant, f"{API}/applications/{app.pk}/transition/submit/")
    # an applicant cannot pass their own formal check
    assert post(cast.applicant, f"{API}/applications/{app.pk}/transition/accept/").status_code == 403
    # experts cannot be assigned before the formal check is passed
    assert (
        post(
            cast.tj_coord, f"{API}/applications/{app.pk}/assign-expert/", {"expert": cast.expert1.pk}
        ).status_code
        == 403
    )
    # deciding is not possible before the review
    r = post(cast.tj_officer, f"{API}/applications/{app.pk}/transition/approve/")
    assert r.status_code == 409
    assert post(cast.applicant, f"{API}/applications/{app.pk}/transition/nonsense/").status_code == 404
    assert (
        post(cast.applicant, f"{API}/applications/{app.pk}/transition/withdraw/").json()["state"]
        == "withdrawn"
    )
    assert post(cast.applicant, f"{API}/applications/{app.pk}/transition/withdraw/").status_code == 409
    assert AuditEntry.objects.filter(action="permission_denied", object_id=str(app.pk)).exists()


def _under_review(cast):
    programme, topic = open_programme(cast)
    app = draft(cast, programme, topic)
    post(cast.applicant, f"{API}/applications/{app.pk}/transition/submit/")
    post(cast.tj_officer, f"{API}/applications/{app.pk}/transition/accept/")
    return programme, app


def test_conflicted_experts_cannot_review(cast):
    programme, app = _under_review(cast)
    # an expert from an organization of the team
    r = post(cast.tj_coord, f"{API}/applications/{app.pk}/assign-expert/", {"expert": cast.team_expert.pk})
    assert r.status_code == 400 and "利益冲突" in r.json()["error"]["fields"]["expert"][0]
    # a user who is not an expert
    r = post(cast.tj_coord, f"{API}/applications/{app.pk}/assign-expert/", {"expert": cast.outsider.pk})
    assert r.status_code == 400
    # an expert who declares a conflict loses access and cannot score
    rid = post(
        cast.tj_coord, f"{API}/applications/{app.pk}/assign-expert/", {"expert": cast.expert1.pk}
    ).json()["id"]
    assert post(cast.expert1, f"{API}/reviews/{rid}/transition/declare_conflict/").status_code == 400
    r = post(cast.expert1, f"{API}/reviews/{rid}/transition/declare_conflict/", {"reason": "曾与负责人合作"})
    assert r.json()["state"] == ReviewState.CONFLICT
    r = post(
        cast.expert1,
        f"{API}/reviews/{rid}/transition/submit/",
        {"innovation": 1, "feasibility": 1, "team": 1, "collaboration": 1, "comments": "x"},
    )
    assert r.status_code == 409
    assert api_as(cast.expert1).get(f"{API}/applications/{app.pk}/").status_code == 404
    r = post(cast.tj_coord, f"{API}/applications/{app.pk}/assign-expert/", {"expert": cast.expert1.pk})
    assert r.status_code == 400
    # another expert cannot submit someone else's review
    assert post(cast.expert2, f"{API}/reviews/{rid}/transition/submit/").status_code == 404


def _decision_pending(cast):
    programme, app = _under_review(cast)
    r1 = post(
        cast.tj_coord, f"{API}/applications/{app.pk}/assign-expert/", {"expert": cast.expert1.pk}
    ).json()["id"]
    r2 = post(
        cast.tj_coord, f"{API}/applications/{app.pk}/assign-expert/", {"expert": cast.expert2.pk}
    ).json()["id"]
    scores = {"innovation": 20, "feasibility": 20, "team": 20, "collaboration": 20, "comments": "好"}
    post(cast.expert1, f"{API}/reviews/{r1}/transition/submit/", scores)
    post(cast.expert2, f"{API}/reviews/{r2}/transition/submit/", scores | {"team": 5})
    post(cast.tj_coord, f"{API}/applications/{app.pk}/transition/finish_review/")
    return programme, app


def test_one_region_refusing_rejects_the_application_with_reasons(cast):
    programme, app = _decision_pending(cast)
    assert post(cast.bj_officer, f"{API}/applications/{app.pk}/transition/approve/").status_code == 200
    assert post(cast.tj_officer, f"{API}/applications/{app.pk}/transition/refuse/").status_code == 400
    r = post(cast.tj_officer, f"{API}/applications/{app.pk}/transition/refuse/", {"reason": "预算过高"})
    assert r.json()["state"] == ApplicationState.REJECTED
    assert {d["region"]: d["approved"] for d in r.json()["decisions"]} == {"110000": True, "120000": False}
    assert not Project.objects.filter(application=app).exists()
    seen = api_as(cast.applicant).get(f"{API}/applications/{app.pk}/").json()
    assert seen["decisions"][1]["reason"] == "预算过高"


def test_the_list_shows_each_applications_participants_budgets_and_decisions_as_its_detail_does(cast):
    programme, app = _decision_pending(cast)
    assert post(cast.bj_officer, f"{API}/applications/{app.pk}/transition/approve/").status_code == 200
    client = api_as(cast.applicant)
    detail = client.get(f"{API}/applications/{app.pk}/").json()
    listed = next(x for x in client.get(f"{API}/applications/").json()["results"] if x["id"] == app.pk)
    for key in ("participants", "budget_total", "budget_by_region", "decisions"):
        assert listed[key] == detail[key], key
    assert len(listed["participants"]) >= 2 and listed["decisions"][0]["approved"] is True


def test_applicant_never_sees_scores_or_the_ranking_before_the_decision(cast):
    programme, app = _decision_pending(cast)
    assert api_as(cast.applicant).get(f"{API}/reviews/").json()["results"] == []
    rev = app.reviews.first()
    assert api_as(cast.applicant).get(f"{API}/reviews/{rev.pk}/").status_code == 404
    assert api_as(cast.applicant).get(f"{API}/programmes/{programme.pk}/ranking/").status_code == 403
    body = api_as(cast.applicant).get(f"{API}/applications/{app.pk}/").content.decode()
    assert "score" not in body and "innovation" not in body
    # another expert sees only their own review and not the ranking
    mine = api_as(cast.expert1).get(f"{API}/reviews/").json()["results"]
    assert [r["expert"] for r in mine] == [cast.expert1.pk]
    assert api_as(cast.expert1).get(f"{API}/programmes/{programme.pk}/ranking/").status_code == 403
    # officials of the programme's regions see the ranking
    ranking = api_as(cast.bj_officer).get(f"{API}/programmes/{programme.pk}/ranking/").json()
    assert ranking[0]["application"] == app.pk and ranking[0]["score"] == 72.5 and ranking[0]["rank"] == 1


def test_review_deadline_reminds_then_escalates(cast):
    programme, app = _under_review(cast)
    post(cast.tj_coord, f"{API}/applications/{app.pk}/assign-expert/", {"expert": cast.expert1.pk})
    d = Deadline.objects.get(kind="coop_review")
    assert d.responsible_user_ids == [cast.expert1.pk]
    assert deadlines.send_reminders(now=d.due_at - datetime.timedelta(days=1)) == 1
    assert deadlines.escalate_overdue(now=d.due_at + datetime.timedelta(days=1)) == 1
    esc = Event.objects.get(type="deadline.escalated")
    assert cast.tj_coord.pk in esc.recipient_ids and cast.expert1.pk in esc.recipient_ids


def test_filters_narrow_the_lists(cast):
    programme, topic = open_programme(cast)
    app = draft(cast, programme, topic)
    client = api_as(cast.applicant)
    assert [
        a["id"]
        for a in client.get(f"{API}/applications/", {"state": "draft", "region": "120000"}).json()["results"]
    ] == [app.pk]
    assert client.get(f"{API}/applications/", {"state": "approved"}).json()["results"] == []
    assert client.get(f"{API}/applications/", {"field": "biopharma"}).json()["results"] == []
    assert client.get(f"{API}/applications/", {"programme": programme.pk, "topic": topic.pk}).json()[
        "results"
    ]
    assert client.get(f"{API}/applications/", {"state": "nonsense"}).status_code == 400
    assert client.get(f"{API}/programmes/", {"field": "brain", "region": "130000"}).json()["results"]


def test_consortium_registry(cast):
    body = {
        "kind": "joint_lab",
        "name": "京津冀脑科学联合实验室",
        "field": "brain",
        "lead_organization": cast.applicant.organization_id,
        "members": [cast.partner.organization_id],
    }
    assert post(cast.applicant, f"{API}/consortia/", body).status_code == 403
    r = post(cast.bj_officer, f"{API}/consortia/", body)
    assert r.status_code == 201 and len(r.json()["members"]) == 2
    cid = r.json()["id"]
    assert post(cast.bj_officer, f"{API}/consortia/{cid}/transition/activate/").json()["status"] == "active"
    assert (
        api_as(cast.outsider).get(f"{API}/consortia/", {"region": "120000"}).json()["results"][0]["id"] == cid
    )
    assert post(cast.bj_officer, f"{API}/consortia/", body | {"field": "x"}).status_code == 400
    r = post(
        cast.hb_coord, f"{API}/consortia/{cid}/members/", {"organization": cast.outsider.organization_id}
    )
    assert r.status_code == 201 and {m["region"] for m in r.json()["members"]} == {
        "110000",
        "120000",
        "130000",
    }
    assert (
        post(
            cast.hb_coord, f"{API}/consortia/{cid}/members/", {"organization": cast.outsider.organization_id}
        ).status_code
        == 400
    )
    assert (
        post(
            cast.applicant, f"{API}/consortia/{cid}/members/", {"organization": cast.outsider.organization_id}
        ).status_code
        == 403
    )
