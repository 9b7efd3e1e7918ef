"""The REST API: the whole path, refusals, masking, public verification and fixed query counts."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from talent import services
from talent.models import RecognitionRequest
from tests.conftest import api_as

from .factories import file_request, make_id_number, pdf, registry_entry, request_data

pytestmark = pytest.mark.django_db

BASE = "/api/v1/talent"


def _post_request(client, **overrides):
    data = request_data(**overrides)
    data["issued_on"] = data["issued_on"].isoformat()
    data["evidence"] = pdf()
    return client.post(f"{BASE}/requests/", data, format="multipart")


def test_whole_path_by_api_including_an_issuing_system_answering(agencies):
    number = make_id_number()
    applicant = api_as(agencies.employer)
    resp = _post_request(applicant, id_number=number)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["state"] == "submitted"
    assert body["holder"]["id_number"] != number and "*" in body["holder"]["id_number"]
    pk = body["id"]

    host, issuer = api_as(agencies.officer["120000"]), api_as(agencies.officer["110000"])
    assert host.post(f"{BASE}/requests/{pk}/transition/request_verification/").status_code == 200
    resp = issuer.post(f"{BASE}/requests/{pk}/transition/acknowledge/", {}, format="json")
    assert resp.status_code == 200 and resp.json()["state"] == "acknowledged"
    resp = issuer.post(f"{BASE}/requests/{pk}/transition/verify/", {"reason": "一致"}, format="json")
    assert resp.json()["state"] == "verified"
    resp = host.post(
        f"{BASE}/requests/{pk}/transition/recognize/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert resp.status_code == 200
    code = resp.json()["certificate_code"]
    assert code
    again = host.post(
        f"{BASE}/requests/{pk}/transition/recognize/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"

    # the agencies involved see the full number and contact on the record; the applicant does not
    assert host.get(f"{BASE}/requests/{pk}/").json()["holder"]["id_number"] == number
    assert host.get(f"{BASE}/requests/{pk}/").json()["holder"]["contact"] == "13800000000"
    assert applicant.get(f"{BASE}/requests/{pk}/").json()["holder"]["id_number"] != number
    assert applicant.get(f"{BASE}/requests/{pk}/").json()["holder"]["contact"] == "138****0000"
    certs = applicant.get(f"{BASE}/certificates/").json()["results"]
    assert [c["code"] for c in certs] == [code]


def test_api_refusals_name_the_field_or_the_reason(agencies):
    applicant = api_as(agencies.employer)
    resp = _post_request(applicant, id_number="110105194912310021")
    assert resp.status_code == 400 and "id_number" in resp.json()["error"]["fields"]
    resp = _post_request(applicant, host_region="110000")
    assert resp.status_code == 400 and "host_region" in resp.json()["error"]["fields"]
    resp = applicant.post(f"{BASE}/requests/", {"kind": "title"}, format="json")
    assert resp.status_code == 400 and "person_name" in resp.json()["error"]["fields"]
    assert not RecognitionRequest.objects.exists()

    req = file_request(agencies.employer)
    host, issuer = api_as(agencies.officer["120000"]), api_as(agencies.officer["110000"])
    # wrong party: 403; wrong state: 409; missing reason: 400; unseen: 404
    assert issuer.post(f"{BASE}/requests/{req.pk}/transition/request_verification/").status_code == 403
    assert host.post(f"{BASE}/requests/{req.pk}/transition/recognize/").status_code == 409
    host.post(f"{BASE}/requests/{req.pk}/transition/request_verification/")
    resp = issuer.post(f"{BASE}/requests/{req.pk}/transition/not_verify/", {"reason": ""}, format="json")
    assert resp.status_code == 400 and "reason" in resp.json()["error"]["fields"]
    outsider = api_as(agencies.officer["130000"])
    assert outsider.get(f"{BASE}/requests/{req.pk}/").status_code == 404
    assert outsider.post(f"{BASE}/requests/{req.pk}/transition/verify/").status_code == 404
    assert host.post(f"{BASE}/requests/{req.pk}/transition/nonsense/").status_code == 404
    assert (
        api_as(agencies.officer["110000"])
        .post(f"{BASE}/requests/", {"person_name": "x"}, format="json")
        .status_code
        == 400
    )
    assert issuer.post(f"{BASE}/requests/", _multipart_ok(), format="multipart").status_code == 403


def _multipart_ok():
    data = request_data()
    data["issued_on"] = data["issued_on"].isoformat()
    data["evidence"] = pdf()
    return data


def test_anonymous_api_access_is_refused_except_verification(agencies, api):
    assert api.get(f"{BASE}/requests/").status_code in (401, 403)
    assert api.get(f"{BASE}/certificates/verify/", {"code": "JJJ-NOPE"}).status_code == 404


def _recognized(agencies, number):
    req = file_request(agencies.employer, person_name="王建国", id_number=number)
    services.request_forward(req, actor=agencies.officer["120000"])
    services.request_verify(req, actor=agencies.officer["110000"])
    services.request_recognize(req, actor=agencies.officer["120000"])
    return RecognitionRequest.objects.get(pk=req.pk)


def test_public_verification_of_valid_unknown_and_revoked_codes(agencies, api):
    number = make_id_number()
    req = _recognized(agencies, number)
    code = req.certificate.code
    resp = api.get(f"{BASE}/certificates/verify/", {"code": code})
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "valid" and body["valid"] and body["holder"] == "王**"
    assert set(body) == {
        "code",
        "status",
        "valid",
        "holder",
        "credential",
        "credential_kind",
        "level",
        "recognized_in",
        "recognized_on",
        "revoked_on",
        "id_number_matches",
    }
    resp = api.post(f"{BASE}/certificates/verify/", {"code": code, "id_number": number}, format="json")
    assert resp.json()["id_number_matches"] is True and number not in resp.content.decode()
    resp = api.post(
        f"{BASE}/certificates/verify/", {"code": code, "id_number": make_id_number()}, format="json"
    )
    assert resp.json()["id_number_matches"] is False
    resp = api.get(f"{BASE}/certificates/verify/", {"code": "JJJ-AAAAAAAAAAAA"})
    assert resp.status_code == 404 and resp.json()["status"] == "unknown"
    assert api.get(f"{BASE}/certificates/verify/").status_code == 400

    services.request_revoke(req, actor=agencies.officer["120000"], reason="撤销")
    body = api.get(f"{BASE}/certificates/verify/", {"code": code}).json()
    assert body["status"] == "revoked" and body["valid"] is False and body["revoked_on"]


def test_no_full_id_number_in_any_api_response_for_users_without_the_right(agencies):
    number = make_id_number()
    req = _recognized(agencies, number)
    services.appointment_create(
        actor=agencies.employer,
        person_name="王建国",
        id_number=number,
        home_organization=agencies.employer.organization,
        host_organization=_beijing_lab(),
        role="兼职教授",
        start_date="2026-01-01",
        end_date="2026-12-31",
    )
    registry_entry(certificate_number="BJ-SCAN", holder_name="王建国", id_number=number)
    paths = [
        f"{BASE}/requests/",
        f"{BASE}/requests/{req.pk}/",
        f"{BASE}/certificates/",
        f"{BASE}/certificates/{req.certificate.pk}/",
        f"{BASE}/appointments/",
        f"{BASE}/registry/",
        f"{BASE}/registry-imports/",
        f"{BASE}/certificates/verify/?code={req.certificate.code}&id_number={number}",
    ]
    for user in (
        agencies.employer,
        agencies.officer["130000"],
        agencies.coordinator["120000"],
        agencies.coordinator["110000"],
    ):
        client = api_as(user)
        for path in paths:
            resp = client.get(path)
            assert resp.status_code in (200, 404), (path, resp.status_code)
            assert number not in resp.content.decode(), (user, path)
    # the lists never carry it, even for the agencies involved
    for user in (agencies.officer["120000"], agencies.officer["110000"]):
        assert number not in api_as(user).get(f"{BASE}/requests/").content.decode()
        assert number not in api_as(user).get(f"{BASE}/registry/").content.decode()


def _beijing_lab():
    from tests.factories import member

    return member("110000").organization.pk


def _make_requests(agencies, n):
    """n requests waiting for verification, n recognized ones (with certificates) and n appointments."""
    lab = _beijing_lab()
    for _ in range(n):
        services.request_forward(file_request(agencies.employer), actor=agencies.officer["120000"])
        done = file_request(agencies.employer)
        services.request_forward(done, actor=agencies.officer["120000"])
        services.request_verify(done, actor=agencies.officer["110000"])
        services.request_recognize(done, actor=agencies.officer["120000"])
        services.appointment_create(
            actor=agencies.employer,
            person_name="吴刚",
            id_number=make_id_number(),
            home_organization=agencies.employer.organization,
            host_organization=lab,
            role="顾问",
            start_date="2026-01-01",
            end_date="2026-12-31",
        )


@pytest.mark.parametrize(
    "path", ["requests/", "requests/?queue=verification", "certificates/", "appointments/"]
)
def test_list_endpoints_cost_the_same_queries_for_3_and_30_rows(agencies, path):
    client = api_as(agencies.officer["110000"])
    _make_requests(agencies, 3)
    client.get(f"{BASE}/{path}")
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{BASE}/{path}").status_code == 200
    _make_requests(agencies, 27)
    with CaptureQueriesContext(connection) as large:
        resp = client.get(f"{BASE}/{path}")
    assert resp.status_code == 200
    assert len(large) == len(small), json.dumps([q["sql"] for q in large.captured_queries])[:3000]
    assert len(resp.json()["results"]) == (50 if path == "requests/" else 30)  # 60 rows, pages of 50


def test_request_list_endpoint_query_bound(agencies, django_assert_max_num_queries):
    client = api_as(agencies.officer["120000"])
    _make_requests(agencies, 30)
    with django_assert_max_num_queries(8):
        resp = client.get(f"{BASE}/requests/?state=verification_requested")
    assert len(resp.json()["results"]) == 30


def test_the_request_list_shows_each_request_as_its_detail_does(agencies):
    """The list reads only the columns it shows (talent.selectors.REQUEST_ROW_COLUMNS): nothing it
    shows may differ from the detail, recognized (with a certificate code) or waiting."""
    _make_requests(agencies, 2)
    client = api_as(agencies.coordinator["120000"])  # sees the ID numbers masked, in the detail too
    rows = client.get(f"{BASE}/requests/").json()["results"]
    assert {r["state"] for r in rows} == {"recognized", "verification_requested"}
    assert any(r["certificate_code"] for r in rows)
    for row in rows:
        detail = client.get(f"{BASE}/requests/{row['id']}/").json()
        assert row == detail
        assert row["holder"]["id_number"].count("*") >= 8 and row["credential"]["certificate_number"]


def test_appointment_by_api(agencies):
    client = api_as(agencies.employer)
    resp = client.post(
        f"{BASE}/appointments/",
        {
            "person_name": "周洁",
            "id_number": make_id_number(),
            "home_organization": agencies.employer.organization_id,
            "host_organization": _beijing_lab(),
            "role": "客座研究员",
            "start_date": "2026-03-01",
            "end_date": "2028-02-28",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["host_region"] == "110000"
    assert (
        api_as(agencies.officer["110000"]).get(f"{BASE}/appointments/").json()["results"][0]["role"]
        == "客座研究员"
    )
    resp = client.post(
        f"{BASE}/appointments/",
        {
            "person_name": "周洁",
            "id_number": make_id_number(),
            "home_organization": agencies.employer.organization_id,
            "host_organization": agencies.employer.organization_id,
            "role": "x",
            "start_date": "2026-03-01",
            "end_date": "2028-02-28",
        },
        format="json",
    )
    assert resp.status_code == 400 and "host_organization" in resp.json()["error"]["fields"]


def test_the_issuing_regions_own_system_answers_by_api(agencies):
    from portal.models import Role
    from tests.factories import UserFactory

    system = UserFactory(organization=agencies.org["110000"], roles=[Role.PARTNER_SYSTEM])
    req = file_request(agencies.employer)
    services.request_forward(req, actor=agencies.officer["120000"])
    client = api_as(system)
    queue = client.get(f"{BASE}/requests/", {"queue": "verification"}).json()["results"]
    assert [r["id"] for r in queue] == [req.pk]
    resp = client.post(
        f"{BASE}/requests/{req.pk}/transition/not_verify/", {"reason": "编号不存在"}, format="json"
    )
    assert resp.status_code == 200 and resp.json()["state"] == "not_verified"
    assert resp.json()["verification_note"] == "编号不存在"
    other_system = UserFactory(organization=agencies.org["130000"], roles=[Role.PARTNER_SYSTEM])
    assert api_as(other_system).get(f"{BASE}/requests/{req.pk}/").status_code == 404
