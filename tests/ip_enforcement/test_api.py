"""The referral path and an assistance request end to end through the REST API, with its refusals."""

from __future__ import annotations

import pytest

from ip_enforcement.models import CaseAgency, EvidenceAccess, Referral, ReferralState
from portal.models import Deadline, Event, StateChange
from tests.conftest import api_as

from .factories import case_data, ip_officer, make_case, make_referral, make_request, text_upload

pytestmark = pytest.mark.django_db

API = "/api/v1/ip"


def test_whole_referral_path_by_api(bj, tj):
    a, b = api_as(bj), api_as(tj)
    r = a.post(f"{API}/cases/", case_data(infringer_uscc="91350100M000100Y43"), format="json")
    assert r.status_code == 201, r.content
    case_id = r.json()["id"]
    assert r.json()["number"].startswith("IPC11-")

    r = a.post(
        f"{API}/referrals/",
        {"case": case_id, "to_agency": tj.organization_id, "reason": "侵权行为地在天津。"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ref-1",
    )
    assert r.status_code == 201, r.content
    ref_id = r.json()["id"]
    assert r.json()["state"] == "sent"
    # a retried POST with the same key does not refer twice
    again = a.post(
        f"{API}/referrals/",
        {"case": case_id, "to_agency": tj.organization_id, "reason": "侵权行为地在天津。"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ref-1",
    )
    assert again.json()["id"] == ref_id and Referral.objects.count() == 1
    kinds = set(Deadline.objects.filter(object_id=str(ref_id), status="open").values_list("kind", flat=True))
    assert kinds == {"ip.referral.acknowledge", "ip.referral.decide"}
    # the receiving agency sees it among its incoming referrals
    assert [x["id"] for x in b.get(f"{API}/referrals/?direction=incoming").json()["results"]] == [ref_id]

    def step(client, name, **body):
        return client.post(f"{API}/referrals/{ref_id}/transition/{name}/", body, format="json")

    assert step(b, "acknowledge").json()["state"] == "received"
    assert step(b, "start_appraisal", reason="委托司法鉴定").json()["state"] == "appraisal"
    assert (
        Deadline.objects.get(
            object_id=str(ref_id), kind="ip.referral.decide", status__in=["open", "paused"]
        ).status
        == "paused"
    )
    assert step(b, "end_appraisal").json()["state"] == "received"
    # extend the decision once by 15 working days, not twice
    r = b.post(f"{API}/referrals/{ref_id}/extend/", {"reason": "案情复杂"}, format="json")
    assert r.status_code == 200, r.content
    assert b.post(f"{API}/referrals/{ref_id}/extend/", {"reason": "再次"}, format="json").status_code == 409
    r = step(
        b,
        "accept",
        received_case_number="津知执立〔2026〕18号",
        returned_part="商标部分不属本局管辖",
        ignored="x",
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "accepted" and r.json()["received_case_number"] == "津知执立〔2026〕18号"
    assert step(b, "investigate").json()["state"] == "investigating"
    r = step(
        b,
        "conclude",
        outcome="penalty",
        feedback="已作出行政处罚决定，罚款十万元。",
        penalty_amount="100000.00",
    )
    assert r.status_code == 200, r.content

    # the referring agency sees where its referral stands, with the feedback
    mine = a.get(f"{API}/referrals/{ref_id}/").json()
    assert (
        mine["state"] == "concluded"
        and mine["outcome"] == "penalty"
        and mine["penalty_amount"] == "100000.00"
    )
    assert mine["feedback"].startswith("已作出")
    steps = list(StateChange.objects.filter(object_id=str(ref_id)).values_list("transition", flat=True))
    assert steps == [
        "send",
        "acknowledge",
        "start_appraisal",
        "end_appraisal",
        "accept",
        "investigate",
        "conclude",
    ]
    assert not Deadline.objects.filter(object_id=str(ref_id), status__in=["open", "paused"]).exists()
    concluded = Event.objects.get(type="ip.referral.conclude")
    assert bj.pk in concluded.recipient_ids and set(concluded.organization_ids) == {
        bj.organization_id,
        tj.organization_id,
    }


def test_referral_refusals(bj, tj, hb):
    ref = make_referral(bj, tj.organization)
    a, b, c = api_as(bj), api_as(tj), api_as(hb)
    url = f"{API}/referrals/{ref.pk}/transition"
    # the referring agency may not acknowledge its own referral
    r = a.post(f"{url}/acknowledge/", {}, format="json")
    assert r.status_code == 403
    # an agency not involved does not even see it
    assert c.post(f"{url}/acknowledge/", {}, format="json").status_code == 404
    # opening a case needs the receiving case number, named in the answer
    b.post(f"{url}/acknowledge/", {}, format="json")
    r = b.post(f"{url}/accept/", {}, format="json")
    assert r.status_code == 400 and "received_case_number" in r.json()["error"]["fields"]
    # concluding before investigating is not possible in this state
    assert (
        b.post(f"{url}/conclude/", {"outcome": "penalty", "feedback": "x"}, format="json").status_code == 409
    )
    r = b.post(f"{url}/return/", {}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    assert Referral.objects.get(pk=ref.pk).state == ReferralState.RECEIVED
    # bad input is a 400 naming the field, never a 500
    r = a.post(f"{API}/referrals/", {"case": ref.case_id, "to_agency": 999999, "reason": "x"}, format="json")
    assert r.status_code == 400 and "to_agency" in r.json()["error"]["fields"]
    r = a.post(
        f"{API}/referrals/",
        {"case": ref.case_id, "to_agency": tj.organization_id, "reason": "x"},
        format="json",
    )
    assert r.status_code == 400 and "to_agency" in r.json()["error"]["fields"]  # already referred there
    r = c.post(
        f"{API}/referrals/",
        {"case": ref.case_id, "to_agency": bj.organization_id, "reason": "x"},
        format="json",
    )
    assert r.status_code == 400 and "case" in r.json()["error"]["fields"]
    r = a.post(
        f"{API}/cases/", case_data(ip_type="nonsense", right_holder_uscc="91350100M000100Y44"), format="json"
    )
    assert r.status_code == 400
    r = a.post(f"{API}/cases/", case_data(right_holder_uscc="91350100M000100Y44"), format="json")
    assert r.status_code == 400 and "right_holder_uscc" in r.json()["error"]["fields"]


def test_forward_to_the_competent_agency(bj, tj, hb):
    ref = make_referral(bj, tj.organization)
    b = api_as(tj)
    r = b.post(
        f"{API}/referrals/{ref.pk}/transition/forward/",
        {"to_agency": hb.organization_id, "reason": "侵权行为地在河北廊坊。"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "forwarded"
    child = Referral.objects.get(parent=ref)
    assert child.from_agency_id == tj.organization_id and child.to_agency_id == hb.organization_id
    # the Hebei agency is now involved and sees the case
    assert api_as(hb).get(f"{API}/cases/{ref.case_id}/").status_code == 200


def test_assistance_request_by_api(bj, tj):
    case = make_case(bj)
    a, b = api_as(bj), api_as(tj)
    r = a.post(
        f"{API}/assistance-requests/",
        {
            "case": case.pk,
            "to_agency": tj.organization_id,
            "kind": "investigation",
            "actions": "调取销售记录",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    req_id = r.json()["id"]
    url = f"{API}/assistance-requests/{req_id}/transition"
    assert b.post(f"{url}/acknowledge/", {}, format="json").json()["state"] == "received"
    assert b.post(f"{url}/accept/", {}, format="json").json()["state"] == "accepted"
    r = b.post(
        f"{API}/evidence/",
        {"case": case.pk, "description": "销售记录", "file": text_upload(), "assistance_request": req_id},
        format="multipart",
    )
    assert r.status_code == 201, r.content
    r = b.post(f"{url}/answer/", {}, format="json")
    assert r.status_code == 400 and "findings" in r.json()["error"]["fields"]
    r = b.post(f"{url}/answer/", {"findings": "查实销售侵权产品300件。"}, format="json")
    assert r.json()["state"] == "answered"
    answered = a.get(f"{API}/assistance-requests/{req_id}/").json()
    assert answered["findings"] == "查实销售侵权产品300件。"
    ev = a.get(f"{API}/evidence/?assistance_request={req_id}").json()["results"]
    assert len(ev) == 1 and len(ev[0]["sha256"]) == 64
    assert not Deadline.objects.filter(object_id=str(req_id), status="open").exists()


def test_agency_not_involved_gets_404_for_case_journal_and_evidence(bj, tj, hb):
    ref = make_referral(bj, tj.organization)
    case = ref.case
    a, c = api_as(bj), api_as(hb)
    assert a.post(f"{API}/cases/{case.pk}/journal/", {"text": "已固定证据"}, format="json").status_code == 201
    r = a.post(
        f"{API}/evidence/",
        {"case": case.pk, "description": "公证书", "file": text_upload()},
        format="multipart",
    )
    ev_id = r.json()["id"]
    assert api_as(tj).get(f"{API}/cases/{case.pk}/journal/").json()[0]["text"] == "已固定证据"

    assert c.get(f"{API}/cases/{case.pk}/").status_code == 404
    assert c.get(f"{API}/cases/{case.pk}/journal/").status_code == 404
    assert c.post(f"{API}/cases/{case.pk}/journal/", {"text": "x"}, format="json").status_code == 404
    assert c.get(f"{API}/evidence/{ev_id}/").status_code == 404
    assert c.get(f"{API}/evidence/{ev_id}/download/").status_code == 404
    assert c.get(f"{API}/cases/").json()["results"] == []
    assert c.get(f"{API}/evidence/").json()["results"] == []
    assert c.get(f"{API}/referrals/{ref.pk}/").status_code == 404
    # a coordinator of a region not involved sees nothing either
    coord = ip_officer("130000", coordinator=True)
    assert api_as(coord).get(f"{API}/cases/{case.pk}/").status_code == 404
    # the Tianjin coordinator sees the flow into the region, not the evidence of an agency it is not
    tj_coord = ip_officer("120000", coordinator=True)
    assert api_as(tj_coord).get(f"{API}/referrals/{ref.pk}/").status_code == 200
    assert api_as(tj_coord).get(f"{API}/evidence/{ev_id}/").status_code == 404
    assert CaseAgency.objects.filter(case=case).count() == 2


def test_tampered_evidence_is_detected_on_download(bj, tj):
    case = make_case(bj)
    a = api_as(bj)
    ev_id = a.post(
        f"{API}/evidence/",
        {"case": case.pk, "description": "公证书", "file": text_upload()},
        format="multipart",
    ).json()["id"]
    r = a.get(f"{API}/evidence/{ev_id}/download/")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == "购买公证书：涉案产品一件。".encode()
    from ip_enforcement.models import Evidence

    path = Evidence.objects.get(pk=ev_id).attachment.file.path
    with open(path, "ab") as fh:
        fh.write(b" altered")
    r = a.get(f"{API}/evidence/{ev_id}/download/")
    assert r.status_code == 409 and r.json()["error"]["code"] == "integrity_failure"
    log = list(EvidenceAccess.objects.filter(evidence_id=ev_id).values_list("action", flat=True))
    assert log == ["integrity_failure", "download", "upload"]
    assert a.get(f"{API}/evidence/{ev_id}/").status_code == 200
    entries = a.get(f"{API}/evidence/{ev_id}/log/").json()
    assert [e["action"] for e in entries] == ["view", "integrity_failure", "download", "upload"]
    assert api_as(tj).get(f"{API}/evidence/{ev_id}/log/").status_code == 404
    assert Event.objects.filter(type="ip.evidence.integrity_failure").count() == 1


def test_right_holder_complaint_becomes_a_case_clue(tj):
    holder = __import__("tests.ip_enforcement.factories", fromlist=["right_holder"]).right_holder("110000")
    r = api_as(holder).post(f"{API}/cases/", {**case_data(), "agency": tj.organization_id}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["source"] == "complaint" and r.json()["agency"] == tj.organization_id
    assert [c["id"] for c in api_as(tj).get(f"{API}/cases/").json()["results"]] == [r.json()["id"]]
    # the right holder sees its complaint, not the journal
    assert api_as(holder).get(f"{API}/cases/{r.json()['id']}/").status_code == 200
    assert api_as(holder).get(f"{API}/cases/{r.json()['id']}/journal/").json() == []


def test_only_the_handling_agency_closes_its_case(client, bj, tj):
    ref = make_referral(bj, tj.organization)
    assert api_as(tj).post(f"{API}/cases/{ref.case_id}/close/", {}, format="json").status_code == 403
    r = api_as(bj).post(f"{API}/cases/{ref.case_id}/close/", {"reason": "已移送天津处理"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "closed"
    assert api_as(bj).post(f"{API}/cases/{ref.case_id}/close/", {}, format="json").status_code == 409
    # a closed case is not referred again
    r = api_as(bj).post(
        f"{API}/referrals/",
        {"case": ref.case_id, "to_agency": ip_officer("130000").organization_id, "reason": "x"},
        format="json",
    )
    assert r.status_code == 409


def test_return_with_reason_is_fed_back_to_the_referring_agency(bj, tj):
    ref = make_referral(bj, tj.organization)
    r = api_as(tj).post(
        f"{API}/referrals/{ref.pk}/transition/return/", {"reason": "不属本局管辖"}, format="json"
    )
    assert r.status_code == 200
    mine = api_as(bj).get(f"{API}/referrals/{ref.pk}/").json()
    assert mine["state"] == "returned" and mine["return_reason"] == "不属本局管辖"
    assert not Deadline.objects.filter(object_id=str(ref.pk), status="open").exists()
    assert Event.objects.filter(type="ip.referral.return", recipient_ids__contains=[bj.pk]).exists()


def test_infringer_id_number_is_stored_encrypted_and_shown_masked_outside_the_handling_agency(client, bj, tj):
    r = api_as(bj).post(f"{API}/cases/", case_data(infringer_id_number="11010519491231002X"), format="json")
    case_id = r.json()["id"]
    assert r.json()["infringer_id_number"] == "11010519491231002X"
    from ip_enforcement.models import Case

    assert b"11010519491231002X" not in bytes(Case.objects.get(pk=case_id).infringer_id_number_encrypted)
    services_ = __import__("ip_enforcement.services", fromlist=["refer_case"])
    services_.refer_case(actor=bj, case=Case.objects.get(pk=case_id), to_agency=tj.organization, reason="x")
    assert api_as(tj).get(f"{API}/cases/{case_id}/").json()["infringer_id_number"] == "110105********002X"
    client.force_login(tj)
    body = client.get(f"/ip/cases/{case_id}/").content.decode()
    assert "110105********002X" in body and "11010519491231002X" not in body
    r = api_as(bj).post(f"{API}/cases/", case_data(infringer_id_number="110105194912310021"), format="json")
    assert r.status_code == 400 and "infringer_id_number" in r.json()["error"]["fields"]


def test_a_body_that_is_not_an_object_is_a_400_on_close_and_extend(bj, tj):
    # found by the schema fuzzer: ``[null, null]`` as the body of POST …/close/ was a 500
    ref = make_referral(bj, tj.organization)
    for url, user in (
        (f"{API}/cases/{ref.case_id}/close/", bj),
        (f"{API}/referrals/{ref.pk}/extend/", tj),
    ):
        r = api_as(user).post(url, [None, None], format="json")
        assert r.status_code == 400, (url, r.content)
        assert r.json()["error"]["code"]


@pytest.mark.parametrize("path", ["referrals", "assistance-requests"])
def test_the_referral_and_assistance_lists_show_each_row_as_its_detail_does(bj, tj, path):
    """The API lists read the case number and the agencies' names as columns of each row
    (selectors.referral_rows / assistance_rows), not the joined rows the detail reads: nothing they
    show may differ, for the sending agency or the receiving one, whatever the row's state."""
    returned = make_referral(bj, tj.organization)
    api_as(tj).post(
        f"{API}/referrals/{returned.pk}/transition/return/", {"reason": "不属本局管辖"}, format="json"
    )
    make_referral(bj, tj.organization)
    make_request(bj, tj.organization)
    answered = make_request(bj, tj.organization)
    url = f"{API}/assistance-requests/{answered.pk}/transition"
    for name, body in [
        ("acknowledge", {}),
        ("accept", {}),
        ("answer", {"findings": "查实销售侵权产品300件。"}),
    ]:
        assert api_as(tj).post(f"{url}/{name}/", body, format="json").status_code == 200
    for officer in (bj, tj):
        client = api_as(officer)
        rows = client.get(f"{API}/{path}/").json()["results"]
        assert len(rows) == 2 and len({r["state"] for r in rows}) == 2
        for row in rows:
            assert row["case_number"] and row["from_agency_name"] and row["to_agency_name"]
            assert row == client.get(f"{API}/{path}/{row['id']}/").json()
