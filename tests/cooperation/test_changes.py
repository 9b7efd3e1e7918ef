"""Changing a draft programme, the panel's outcome for the applicant after the decision, consortium
membership kept by the right officials, the expert assignment form, and bad input answered with a 4xx
naming the field (pages and API)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from cooperation import services
from cooperation.models import (
    ApplicationState,
    ConsortiumMember,
    ExpertField,
    KeyField,
    Programme,
    ProgrammeState,
)
from portal.models import AuditEntry, OrganizationKind
from tests.conftest import api_as
from tests.cooperation.factories import Cast, expert, open_programme
from tests.cooperation.test_budgets import pending
from tests.factories import member

pytestmark = pytest.mark.django_db

API = "/api/v1/cooperation"
BASE = "/cooperation"


@pytest.fixture
def cast():
    return Cast()


def browser(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def draft_programme(cast) -> Programme:
    now = timezone.now()
    return services.create_programme(
        actor=cast.tj_officer,
        year=2027,
        title="组分中药联合专项",
        opens_at=now + datetime.timedelta(days=10),
        closes_at=now + datetime.timedelta(days=40),
        funding_cap="2000000",
        region_budgets={"110000": "3000000", "120000": "3000000"},
        topics=[{"code": "Z1", "title": "组分配伍", "field": "tcm_components"}],
    )


# --------------------------------------------------------------------------- programme editing


def test_the_lead_region_changes_a_draft_programme_by_the_page_and_the_api(cast):
    programme = draft_programme(cast)
    url = f"{BASE}/programmes/{programme.pk}/edit/"
    # the edit page is offered to the lead region's officials, prefilled
    page = browser(cast.tj_officer).get(programme.get_absolute_url()).content.decode()
    assert url in page
    r = browser(cast.tj_officer).get(url)
    assert r.status_code == 200 and "Z1 | 组分配伍 | tcm_components" in r.content.decode()
    # another region's official may not change it (refused and audited), nor an applicant (not visible)
    assert browser(cast.bj_officer).get(url).status_code == 403
    assert browser(cast.applicant).get(url).status_code == 404
    assert AuditEntry.objects.filter(action="permission_denied", actor=cast.bj_officer).exists()

    form = r.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data |= {
        "opens_at": timezone.localtime(programme.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": timezone.localtime(programme.closes_at).strftime("%Y-%m-%dT%H:%M"),
        "budget_130000": "1000000",
        "topics": "Z1 | 组分配伍 | tcm_components\nZ2 | 质量标志物 | tcm_components | 研究说明",
    }
    bad = browser(cast.tj_officer).post(url, data | {"closes_at": "not a date"})
    assert bad.status_code == 400 and 'data-field="closes_at"' in bad.content.decode()
    r = browser(cast.tj_officer).post(url, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    programme.refresh_from_db()
    assert set(programme.region_shares.values_list("region_id", flat=True)) == {"110000", "120000", "130000"}
    assert programme.topics.get(code="Z2").description == "研究说明"
    entry = AuditEntry.objects.filter(
        action="update",
        content_type=ContentType.objects.get_for_model(Programme),
        object_id=str(programme.pk),
    ).get()
    # (the form's minute precision may also change the window's seconds)
    assert entry.actor_id == cast.tj_officer.pk and {"regions", "topics"} <= set(entry.changes)
    assert entry.changes["regions"][1]["130000"] == "1000000.00"

    # by the API: PATCH changes the given fields, the rules still apply
    client = api_as(cast.tj_officer)
    r = client.patch(f"{API}/programmes/{programme.pk}/", {"funding_cap": "1500000.00"}, format="json")
    assert r.status_code == 200 and r.json()["funding_cap"] == "1500000.00"
    assert len(r.json()["topics"]) == 2
    r = client.patch(f"{API}/programmes/{programme.pk}/", {"min_regions": 3, "regions": []}, format="json")
    assert r.status_code == 400 and "regions" in r.json()["error"]["fields"]
    for regions in ([{"region": "130000"}], [{"budget": "1"}]):
        r = client.patch(f"{API}/programmes/{programme.pk}/", {"regions": regions}, format="json")
        assert r.status_code == 400 and "regions" in r.json()["error"]["fields"]
    r = client.patch(f"{API}/programmes/{programme.pk}/", {"topics": [{"code": "Q"}]}, format="json")
    assert r.status_code == 400 and "topics" in r.json()["error"]["fields"]
    r = api_as(cast.bj_officer).patch(f"{API}/programmes/{programme.pk}/", {"title": "x"}, format="json")
    assert r.status_code == 403
    # once submitted to the regions it is fixed
    services.submit_programme(programme, actor=cast.tj_officer)
    r = client.patch(f"{API}/programmes/{programme.pk}/", {"title": "新标题"}, format="json")
    assert r.status_code == 409
    assert browser(cast.tj_officer).get(url).status_code == 409
    programme.refresh_from_db()
    assert programme.title == "组分中药联合专项" and programme.state == ProgrammeState.APPROVING


# --------------------------------------------------------------------------- the panel's outcome


def test_after_the_decision_the_applicant_sees_the_panels_outcome_for_their_own_application_only(cast):
    programme, topic = open_programme(cast)
    mine = pending(cast, programme, topic)
    # another team's application in the same programme, scored differently
    rival = member("110000", kind=OrganizationKind.INSTITUTE)
    other = services.save_application(
        actor=rival,
        programme=programme,
        topic=topic,
        title="竞争申请",
        research_plan="计划",
        participants=[
            {"organization": rival.organization_id, "principal_investigator": "甲", "budget": "100"},
            {"organization": cast.outsider.organization_id, "principal_investigator": "乙", "budget": "100"},
        ],
    )
    services.submit_application(other, actor=rival)
    services.accept_application(other, actor=cast.tj_officer)
    review = services.assign_expert(other, actor=cast.tj_coord, expert=cast.expert2)
    services.submit_review(
        review, actor=cast.expert2, innovation=3, feasibility=4, team=5, collaboration=6, comments="竞争评语"
    )

    # before the decision: nothing
    assert api_as(cast.applicant).get(f"{API}/applications/{mine.pk}/").json()["panel_outcome"] is None
    assert 'id="panel-outcome"' not in browser(cast.applicant).get(mine.get_absolute_url()).content.decode()

    services.approve_application(mine, actor=cast.bj_officer)
    services.approve_application(mine, actor=cast.tj_officer)
    mine.refresh_from_db()
    assert mine.state == ApplicationState.APPROVED
    outcome = api_as(cast.applicant).get(f"{API}/applications/{mine.pk}/").json()["panel_outcome"]
    assert outcome == {
        "reviews": 1,
        "criteria": {"innovation": 20.0, "feasibility": 18.0, "team": 22.0, "collaboration": 24.0},
        "average_total": 84.0,
        "max_total": 100,
        "comments": ["路线清晰"],
    }
    page = browser(cast.applicant).get(mine.get_absolute_url()).content.decode()
    assert 'id="panel-outcome"' in page and "84.00" in page and "路线清晰" in page
    # never the experts' names, another application's scores, or the ranking
    assert str(cast.expert1) not in page and 'id="reviews"' not in page
    listing = api_as(cast.applicant).get(f"{API}/applications/").content.decode()
    assert "竞争评语" not in listing and "竞争申请" not in listing
    assert api_as(cast.applicant).get(f"{API}/applications/{other.pk}/").status_code == 404
    assert api_as(cast.applicant).get(f"{API}/programmes/{programme.pk}/ranking/").status_code == 403
    assert browser(cast.applicant).get(f"{BASE}/programmes/{programme.pk}/ranking/").status_code == 404
    assert api_as(cast.applicant).get(f"{API}/reviews/").json()["results"] == []


# --------------------------------------------------------------------------- consortium members


def test_a_consortium_is_registered_on_its_page_with_its_organizations_given_by_credit_code(cast):
    from cooperation.models import Consortium, ConsortiumMember

    url = f"{BASE}/consortia/new/"
    data = {
        "kind": "consortium",
        "name": "京津冀类脑智能创新联合体",
        "field": "brain",
        "lead_organization": cast.applicant.organization.uscc.lower(),
        # one per line, or separated by commas, in any case
        "members": f"{cast.partner.organization.uscc}，{cast.outsider.organization.uscc.lower()}\n",
    }
    # a code no organization here has, or an agency's, is named on the field; nothing is registered
    for field, code in (
        ("members", "91110000MA0000000X"),
        ("lead_organization", cast.tj_officer.organization.uscc),
    ):
        r = browser(cast.bj_officer).post(url, data | {field: code})
        assert r.status_code == 400 and f'data-field="{field}"' in r.content.decode(), field
        assert code in r.content.decode()
    assert not Consortium.objects.exists()
    r = browser(cast.bj_officer).post(url, data)
    assert r.status_code == 302
    c = Consortium.objects.get(name="京津冀类脑智能创新联合体")
    assert c.lead_organization == cast.applicant.organization
    assert set(ConsortiumMember.objects.filter(consortium=c).values_list("organization_id", flat=True)) == {
        cast.applicant.organization_id,
        cast.partner.organization_id,
        cast.outsider.organization_id,
    }


def test_consortium_members_are_kept_on_the_page_by_the_officials_of_their_region_or_the_leads(cast):
    c = services.create_consortium(
        actor=cast.bj_officer,
        kind="consortium",
        name="京津冀先进通讯创新联合体",
        field="communications",
        lead_organization=cast.applicant.organization_id,
        members=[cast.partner.organization_id],
    )
    add = f"{BASE}/consortia/{c.pk}/members/add/"
    remove = f"{BASE}/consortia/{c.pk}/members/remove/"
    # Hebei may add Hebei's organizations and sees no button to remove the others' members
    page = browser(cast.hb_coord).get(c.get_absolute_url()).content.decode()
    assert add in page and remove not in page
    # its organization box offers Hebei's organizations only
    assert 'data-suggest="/organizations/suggest/?province=130000"' in page
    assert remove in browser(cast.bj_officer).get(c.get_absolute_url()).content.decode()
    assert add not in browser(cast.applicant).get(c.get_absolute_url()).content.decode()

    # Hebei adds a Hebei organization; Hebei may not remove Tianjin's member
    r = browser(cast.hb_coord).post(add, {"organization": cast.outsider.organization.uscc})
    assert r.status_code == 302
    assert (
        browser(cast.hb_coord).post(remove, {"organization": cast.partner.organization_id}).status_code == 403
    )
    assert AuditEntry.objects.filter(action="permission_denied", actor=cast.hb_coord).exists()
    # an applicant may do neither
    assert (
        browser(cast.applicant).post(remove, {"organization": cast.partner.organization_id}).status_code
        == 403
    )
    # bad input names the field
    r = browser(cast.hb_coord).post(add, {"organization": "abc"})
    assert r.status_code == 400 and 'data-field="organization"' in r.content.decode()
    assert browser(cast.hb_coord).post(remove, {"organization": "abc"}).status_code == 400
    # the lead stays; Tianjin removes its own member; the lead's region (Beijing) removes Hebei's
    assert (
        browser(cast.bj_officer).post(remove, {"organization": cast.applicant.organization_id}).status_code
        == 400
    )
    assert (
        browser(cast.tj_officer).post(remove, {"organization": cast.partner.organization_id}).status_code
        == 302
    )
    r = api_as(cast.bj_officer).delete(f"{API}/consortia/{c.pk}/members/{cast.outsider.organization_id}/")
    assert r.status_code == 200 and [m["organization"] for m in r.json()["members"]] == [
        cast.applicant.organization_id
    ]
    assert api_as(cast.bj_officer).delete(f"{API}/consortia/{c.pk}/members/x/").status_code == 400
    assert list(ConsortiumMember.objects.filter(consortium=c).values_list("organization_id", flat=True)) == [
        cast.applicant.organization_id
    ]
    assert AuditEntry.objects.filter(object_id=str(c.pk), message__contains="removed").count() == 2
    # a dissolved consortium's membership is closed
    services.dissolve_consortium(c, actor=cast.bj_officer, reason="任务完成")
    r = browser(cast.hb_coord).post(add, {"organization": cast.outsider.organization.uscc})
    assert r.status_code == 409


# --------------------------------------------------------------------------- expert assignment form


def test_the_assignment_form_shows_organization_and_field_and_offers_the_topics_experts(cast):
    programme, topic = open_programme(cast)  # topic in brain science
    app = pending(cast, programme, topic)
    services.withdraw_application(app, actor=cast.applicant)
    from tests.cooperation.factories import draft

    app = draft(cast, programme, topic)
    services.submit_application(app, actor=cast.applicant)
    services.accept_application(app, actor=cast.tj_officer)
    ExpertField.objects.create(expert=cast.expert1, field=KeyField.BRAIN)
    pharma = expert("120000")
    ExpertField.objects.create(expert=pharma, field=KeyField.BIOPHARMA)
    page = browser(cast.tj_coord).get(app.get_absolute_url()).content.decode()
    select = page[page.index('name="expert"') : page.index("</select>", page.index('name="expert"'))]
    assert f'value="{cast.expert1.pk}"' in select and cast.expert1.organization.name in select
    assert "脑科学" in select or "Brain science" in select
    assert f'value="{cast.expert2.pk}"' in select  # declared no field: still offered
    assert f'value="{pharma.pk}"' not in select  # another field only
    assert f'value="{cast.team_expert.pk}"' not in select  # in the team
    # posting a team member anyway is refused with the reason, naming the field
    r = browser(cast.tj_coord).post(f"{BASE}/applications/{app.pk}/assign/", {"expert": cast.team_expert.pk})
    assert r.status_code == 400 and ("利益冲突" in r.content.decode() or "Conflict" in r.content.decode())


# --------------------------------------------------------------------------- bad input


def test_bad_input_gets_a_4xx_naming_the_field(cast):
    programme, topic = open_programme(cast)
    app = pending(cast, programme, topic)
    services.approve_application(app, actor=cast.bj_officer)
    services.approve_application(app, actor=cast.tj_officer)
    project = app.project
    client = api_as(cast.tj_officer)
    cases = [
        (f"{API}/applications/{app.pk}/assign-expert/", {"expert": "abc"}, "expert"),
        (f"{API}/projects/{project.pk}/milestones/", {"title": "m", "due_date": "2027-13-45"}, "due_date"),
        (f"{API}/projects/{project.pk}/reports/", {"period": "x", "due_date": "yesterday"}, "due_date"),
        (f"{API}/projects/{project.pk}/disbursements/", {"amount": "abc", "paid_on": "2026-01-01"}, "amount"),
        (
            f"{API}/consortia/",
            {"kind": "consortium", "name": "n", "field": "brain", "lead_organization": "x"},
            None,
        ),
        (
            f"{API}/consortia/",
            {"kind": "consortium", "name": "n", "field": "brain", "lead_organization": 10**12},
            None,
        ),
        (f"{API}/programmes/", {"year": 2026, "title": "t", "regions": [{"region": "999999"}]}, "regions"),
    ]
    for url, body, field in cases:
        r = client.post(url, body, format="json")
        assert r.status_code == 400, (url, r.status_code, r.content[:300])
        if field:
            assert field in r.json()["error"]["fields"], (url, r.json())
    r = api_as(cast.applicant).post(
        f"{API}/applications/",
        {"programme": "x", "topic": 1, "title": "t", "participants": [{"organization": 10**15}]},
        format="json",
    )
    assert r.status_code == 400 and "programme" in r.json()["error"]["fields"]
    r = api_as(cast.applicant).post(f"{API}/applications/{app.pk}/attachments/", {}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()["error"]["fields"]
    # pages
    tj = browser(cast.tj_officer)
    assert (
        tj.post(
            f"{BASE}/projects/{project.pk}/milestone/", {"title": "m", "due_date": "2027-02-30"}
        ).status_code
        == 400
    )
    assert (
        tj.post(f"{BASE}/projects/{project.pk}/submit/", {"report": "abc", "content": "x"}).status_code == 404
    )
    assert (
        tj.post(f"{BASE}/projects/{project.pk}/disbursement/", {"amount": "-1", "paid_on": "x"}).status_code
        == 400
    )
    assert tj.get(f"{BASE}/applications/", {"programme": "abc", "state": "nonsense"}).status_code == 200
    assert tj.get(f"{BASE}/projects/{10**20}/").status_code == 404
    assert browser(cast.applicant).post(f"{BASE}/applications/{app.pk}/attach/", {}).status_code in (400, 403)
    assert tj.post(f"{BASE}/applications/{app.pk}/transition/", {"transition": "nonsense"}).status_code == 404
    assert tj.post(f"{BASE}/programmes/new/", {"year": "abc", "topics": "bad line"}).status_code == 400
