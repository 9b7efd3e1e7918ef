"""The whole process by the pages (signed-in browser sessions), and refusals shown on the pages."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from cooperation.models import (
    Application,
    ApplicationState,
    Programme,
    ProgrammeState,
    Project,
    ProjectState,
    Review,
)
from tests.cooperation.factories import Cast, draft, open_programme

pytestmark = pytest.mark.django_db

BASE = "/cooperation"


@pytest.fixture
def cast():
    return Cast()


def browser(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def step(user, url, name, reason=""):
    return browser(user).post(url, {"transition": name, "reason": reason})


def under_review(cast, *experts) -> Application:
    """A draft application submitted, accepted by Tianjin and assigned to ``experts``, by the pages."""
    programme, topic = open_programme(cast)
    app = draft(cast, programme, topic)
    aurl = f"{BASE}/applications/{app.pk}/transition/"
    step(cast.applicant, aurl, "submit")
    step(cast.tj_officer, aurl, "accept")
    for expert in experts:
        browser(cast.tj_coord).post(f"{BASE}/applications/{app.pk}/assign/", {"expert": expert.pk})
    return app


def participants(rows):
    data = {"p-TOTAL_FORMS": "4", "p-INITIAL_FORMS": "0", "p-MIN_NUM_FORMS": "4", "p-MAX_NUM_FORMS": "12"}
    for i, (org, pi, budget) in enumerate(rows):
        data.update(
            {f"p-{i}-organization": org, f"p-{i}-principal_investigator": pi, f"p-{i}-budget": budget}
        )
    return data


def test_the_whole_process_by_the_pages(cast):
    now = timezone.localtime()
    r = browser(cast.tj_officer).post(
        f"{BASE}/programmes/new/",
        {
            "year": 2026,
            "title": "脑科学联合专项",
            "guide": "统一规划、统一立项",
            "opens_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + datetime.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "min_regions": 2,
            "funding_cap": "2000000",
            "budget_110000": "5000000",
            "budget_120000": "5000000",
            "topics": "B1 | 类脑计算 | brain\nB2 | 脑机接口 | brain",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    programme = Programme.objects.get(title="脑科学联合专项")
    purl = f"{BASE}/programmes/{programme.pk}/transition/"
    assert step(cast.tj_officer, purl, "submit_for_approval").status_code == 302
    page = browser(cast.bj_coord).get(programme.get_absolute_url()).content.decode()
    assert "Approve for my region" in page or "为本地区批准" in page
    assert step(cast.bj_coord, purl, "approve").status_code == 302
    assert step(cast.tj_coord, purl, "approve").status_code == 302
    programme.refresh_from_db()
    assert programme.state == ProgrammeState.OPEN

    # the applicant finds the call, saves a draft and submits it
    assert "脑科学联合专项" in browser(cast.applicant).get(f"{BASE}/").content.decode()
    form_url = f"{BASE}/programmes/{programme.pk}/apply/"
    assert browser(cast.applicant).get(form_url).status_code == 200
    topic = programme.topics.get(code="B1")
    data = {"topic": topic.pk, "title": "类脑芯片", "research_plan": "三年计划"} | participants(
        [
            (cast.applicant.organization.uscc.lower(), "李四", "900000"),  # typed in lower case
            (cast.partner.organization.uscc, "王五", "600000"),
        ]
    )
    r = browser(cast.applicant).post(form_url, data)
    assert r.status_code == 302
    app = Application.objects.get(title="类脑芯片")
    aurl = f"{BASE}/applications/{app.pk}/transition/"
    assert step(cast.applicant, aurl, "submit").status_code == 302
    assert step(cast.tj_officer, aurl, "accept").status_code == 302

    # experts are assigned, one of them reviews with the form
    r = browser(cast.bj_coord).post(f"{BASE}/applications/{app.pk}/assign/", {"expert": cast.expert1.pk})
    assert r.status_code == 302
    review = Review.objects.get(application=app, expert=cast.expert1)
    assert "类脑芯片" in browser(cast.expert1).get(f"{BASE}/").content.decode()
    r = browser(cast.expert1).post(
        review.get_absolute_url(),
        {
            "innovation": 24,
            "feasibility": 22,
            "team": 20,
            "collaboration": 21,
            "comments": "路线清晰",
            "do": "submit",
        },
    )
    assert r.status_code == 302
    assert step(cast.tj_coord, aurl, "finish_review").status_code == 302
    ranking = browser(cast.tj_officer).get(f"{BASE}/programmes/{programme.pk}/ranking/").content.decode()
    assert "87" in ranking
    assert step(cast.bj_officer, aurl, "approve_region").status_code == 302
    assert step(cast.tj_officer, aurl, "approve_region").status_code == 302
    app.refresh_from_db()
    assert app.state == ApplicationState.APPROVED

    # the project to final acceptance
    project = Project.objects.get(application=app)
    jurl = f"{BASE}/projects/{project.pk}/transition/"
    due = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    r = browser(cast.tj_officer).post(
        f"{BASE}/projects/{project.pk}/report/", {"period": "2026年度", "due_date": due}
    )
    assert r.status_code == 302
    assert "2026年度" in browser(cast.applicant).get(f"{BASE}/").content.decode()
    report = project.reports.get()
    r = browser(cast.applicant).post(
        f"{BASE}/projects/{project.pk}/submit/", {"report": report.pk, "content": "进展"}
    )
    assert r.status_code == 302
    assert step(cast.tj_officer, jurl, "start_midterm").status_code == 302
    assert step(cast.tj_officer, jurl, "pass_midterm", "良好").status_code == 302
    assert step(cast.applicant, jurl, "request_acceptance").status_code == 302
    assert step(cast.tj_officer, jurl, "accept", "通过验收").status_code == 302
    project.refresh_from_db()
    assert project.state == ProjectState.ACCEPTED
    assert browser(cast.applicant).get(project.get_absolute_url()).status_code == 200


def test_pages_refuse_with_the_reason_and_change_nothing(cast):
    programme, topic = open_programme(cast)
    app = draft(
        cast,
        programme,
        topic,
        participants=[
            {"organization": cast.applicant.organization_id, "principal_investigator": "李四", "budget": "1"},
        ],
    )
    aurl = f"{BASE}/applications/{app.pk}/transition/"
    r = step(cast.applicant, aurl, "submit")
    assert r.status_code == 400
    assert "at least 2" in r.content.decode() or "至少" in r.content.decode()
    # an outsider and an official may not see the draft at all
    assert step(cast.outsider, aurl, "submit").status_code == 404
    assert browser(cast.tj_officer).get(app.get_absolute_url()).status_code == 404
    # a form with a single-region team is saved as a draft but shows nothing wrong until submission;
    # a form without the applicant's own organization is refused naming the problem
    r = browser(cast.applicant).post(
        f"{BASE}/applications/{app.pk}/edit/",
        {"topic": topic.pk, "title": "x"} | participants([(cast.partner.organization.uscc, "王五", "1")]),
    )
    assert r.status_code == 400 and "alert-danger" in r.content.decode()
    app.refresh_from_db()
    assert app.title == "类脑芯片联合攻关" and app.state == ApplicationState.DRAFT
    # the window closed
    app2 = draft(cast, programme, topic)
    # the partner organization of the team may not submit in the lead's place
    assert step(cast.partner, f"{BASE}/applications/{app2.pk}/transition/", "submit").status_code == 403
    Programme.objects.filter(pk=programme.pk).update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
    assert step(cast.applicant, f"{BASE}/applications/{app2.pk}/transition/", "submit").status_code == 409


def test_applicant_pages_show_no_scores_or_ranking(cast):
    app = under_review(cast, cast.expert1, cast.expert2)
    review = Review.objects.get(expert=cast.expert1)
    browser(cast.expert1).post(
        review.get_absolute_url(),
        {
            "innovation": 11,
            "feasibility": 12,
            "team": 13,
            "collaboration": 14,
            "comments": "评语甲",
            "do": "submit",
        },
    )
    # a conflicted assignment is refused on the page, naming the expert field
    r = browser(cast.tj_coord).post(f"{BASE}/applications/{app.pk}/assign/", {"expert": cast.team_expert.pk})
    assert r.status_code == 400 and 'data-field="expert"' in r.content.decode()

    page = browser(cast.applicant).get(app.get_absolute_url()).content.decode()
    assert 'id="reviews"' not in page and "评语甲" not in page
    assert browser(cast.applicant).get(f"{BASE}/programmes/{app.programme_id}/ranking/").status_code == 404
    assert browser(cast.applicant).get(review.get_absolute_url()).status_code == 404
    assert "评语甲" not in browser(cast.applicant).get(f"{BASE}/reviews/").content.decode()
    # the other expert sees neither the first expert's review nor the ranking
    assert browser(cast.expert2).get(review.get_absolute_url()).status_code == 404
    assert browser(cast.expert2).get(f"{BASE}/programmes/{app.programme_id}/ranking/").status_code == 404
    # officials do
    assert "评语甲" in browser(cast.bj_officer).get(app.get_absolute_url()).content.decode()


def test_lists_filter_and_export_to_excel(cast):
    programme, topic = open_programme(cast)
    draft(cast, programme, topic)
    c = browser(cast.applicant)
    assert (
        "类脑芯片联合攻关"
        in c.get(f"{BASE}/applications/", {"state": "draft", "region": "120000"}).content.decode()
    )
    assert "类脑芯片联合攻关" not in c.get(f"{BASE}/applications/", {"state": "approved"}).content.decode()
    r = c.get(f"{BASE}/applications/", {"state": "draft", "export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    for url in ("programmes/", "reviews/", "projects/", "consortia/"):
        assert c.get(f"{BASE}/{url}").status_code == 200
        assert c.get(f"{BASE}/{url}", {"export": "xlsx"}).status_code == 200


def test_the_applications_page_shows_what_its_export_holds(cast):
    """The page and its Excel export read one list of columns: the same headers, and each row's
    values, the team's regions and summed budget included."""
    import io
    import re

    import openpyxl

    programme, topic = open_programme(cast)
    app = draft(cast, programme, topic)
    c = browser(cast.applicant)
    c.cookies["django_language"] = "en"
    body = c.get(f"{BASE}/applications/").content.decode()
    sheet = c.get(f"{BASE}/applications/", {"export": "xlsx"}).content
    header, row = openpyxl.load_workbook(io.BytesIO(sheet)).active.iter_rows(values_only=True)
    shown_headers = re.findall(r'<th scope="col">([^<]*)</th>', body)
    assert shown_headers == list(header) and "Budget (yuan)" in shown_headers
    shown = re.search(r"<tr><td>(.*?)</tr>", body).group(1)
    budget = sum(p.budget for p in app.participants.all())
    regions = "、".join(sorted({p.province.name for p in app.participants.select_related("province")}))
    assert row[0] == app.title and row[5] == regions and row[6] == str(budget)
    for value in (app.title, topic.title, regions, str(budget)):
        assert value in shown, value
    assert app.get_absolute_url() in shown


@pytest.mark.parametrize(
    "username", ["coop_tj_officer", "coop_bj_coord", "coop_bj_applicant", "coop_hb_applicant", "coop_expert1"]
)
def test_every_page_renders_for_every_role_on_the_demo_data(username):
    from cooperation import demo, selectors
    from portal.models import User

    demo.load()
    user = User.objects.get(username=username)
    c = browser(user)
    for path in ("", "programmes/", "applications/", "reviews/", "projects/", "consortia/"):
        assert c.get(f"{BASE}/{path}").status_code == 200
    objects = [
        *selectors.programme_list(user=user),
        *selectors.application_list(user=user),
        *selectors.review_list(user=user),
        *selectors.project_list(user=user),
        *selectors.consortium_list(user=user),
    ]
    assert objects
    for obj in objects:
        r = c.get(obj.get_absolute_url())
        assert r.status_code == 200, obj
    for app in selectors.application_list(user=user).filter(state__in=["draft", "returned"]):
        if app.lead_organization_id == user.organization_id:
            assert c.get(f"{BASE}/applications/{app.pk}/edit/").status_code == 200
    for programme in selectors.programme_list(user=user):
        expected = 200 if selectors.can_see_ranking(user, programme) else 404
        assert c.get(f"{BASE}/programmes/{programme.pk}/ranking/").status_code == expected
    new_programme = c.get(f"{BASE}/programmes/new/").status_code
    assert new_programme == (200 if user.is_official else 404)
    # English is available
    c.cookies["django_language"] = "en"
    assert "Joint programmes" in c.get(f"{BASE}/programmes/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_review_list_names_no_application_the_reviewer_was_not_given(cast):
    """The filter takes an application's number: a list to pick from named every application of every
    programme to every reviewer (and at scale rendered fifty thousand options; issue 10)."""
    from tests.cooperation.factories import ApplicationFactory

    app = under_review(cast, cast.expert1)
    other = ApplicationFactory(topic=app.topic, title="不相干的保密申请")

    expert = browser(cast.expert1)
    page = expert.get(f"{BASE}/reviews/").content.decode()
    assert app.title in page
    assert other.title not in page
    assert app.title in expert.get(f"{BASE}/reviews/", {"application": app.pk}).content.decode()
    assert app.title not in expert.get(f"{BASE}/reviews/", {"application": other.pk}).content.decode()
    api = "/api/v1/cooperation/reviews/"
    assert expert.get(api, {"application": other.pk}).json()["results"] == []
    assert [r["application"] for r in expert.get(api, {"application": app.pk}).json()["results"]] == [app.pk]


def test_a_team_row_without_its_principal_investigator_is_refused_naming_the_organization(cast):
    programme, topic = open_programme(cast)
    url = f"{BASE}/programmes/{programme.pk}/apply/"
    data = {"topic": topic.pk, "title": "类脑芯片"} | participants(
        [(cast.applicant.organization.uscc, "李四", "100"), (cast.partner.organization.uscc, "", "100")]
    )
    r = browser(cast.applicant).post(url, data)
    assert r.status_code == 400 and cast.partner.organization.name in r.content.decode()
    assert not Application.objects.filter(title="类脑芯片").exists()
