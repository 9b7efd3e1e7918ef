"""Joint enforcement operations: agencies of two or three regions, a lead, tasks and results."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ip_enforcement.models import JointOperation
from tests.conftest import api_as

from .factories import ip_officer, make_case

pytestmark = pytest.mark.django_db

API = "/api/v1/ip/operations"


def test_joint_operation_by_api_and_page(client, bj, tj, hb):
    case = make_case(bj)
    body = {
        "title": "京津冀商标侵权联合执法行动",
        "case": case.pk,
        "targets": "天津、廊坊两地的侵权产品仓库",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-05",
        "tasks": [
            {"agency": tj.organization_id, "description": "检查天津仓库"},
            {"agency": hb.organization_id, "description": "检查廊坊仓库"},
        ],
    }
    r = api_as(bj).post(f"{API}/", body, format="json")
    assert r.status_code == 201, r.content
    op_id = r.json()["id"]
    assert len(r.json()["tasks"]) == 2
    # the agencies given tasks are now involved in the case
    assert api_as(hb).get(f"/api/v1/ip/cases/{case.pk}/").status_code == 200
    # only the lead starts it; results wait until it is under way
    assert api_as(tj).post(f"{API}/{op_id}/transition/start/", {}, format="json").status_code == 403
    task_tj = r.json()["tasks"][0]["id"]
    assert (
        api_as(tj).post(f"{API}/{op_id}/result/", {"task": task_tj, "result": "x"}, format="json").status_code
        == 409
    )
    assert (
        api_as(bj).post(f"{API}/{op_id}/transition/start/", {}, format="json").json()["state"] == "underway"
    )
    # an agency records its own task's result, not another's
    r = api_as(hb).post(f"{API}/{op_id}/result/", {"task": task_tj, "result": "x"}, format="json")
    assert r.status_code == 403
    r = api_as(tj).post(
        f"{API}/{op_id}/result/", {"task": task_tj, "result": "查获侵权商品500件"}, format="json"
    )
    assert r.status_code == 200 and r.json()["tasks"][0]["result"] == "查获侵权商品500件"
    client.force_login(hb)
    page = client.get(reverse("ip_enforcement:operation_detail", args=[op_id])).content.decode()
    assert "查获侵权商品500件" in page and 'name="result"' in page
    r = client.post(
        reverse("ip_enforcement:operation_result", args=[op_id]),
        {"task": r.json()["tasks"][1]["id"], "result": "查获侵权商品120件"},
    )
    assert r.status_code == 302
    client.force_login(bj)
    r = client.post(
        reverse("ip_enforcement:operation_step", args=[op_id]),
        {"transition": "conclude", "summary": "两地共查获620件。"},
    )
    assert r.status_code == 302
    assert JointOperation.objects.get(pk=op_id).state == "concluded"
    assert (
        "京津冀商标侵权联合执法行动" in client.get(reverse("ip_enforcement:operation_list")).content.decode()
    )
    # an agency of no task does not see it
    other = ip_officer("120000")
    assert api_as(other).get(f"{API}/{op_id}/").status_code == 404


def test_joint_operation_needs_two_regions_and_valid_dates(bj):
    other_bj = ip_officer("110000")
    r = api_as(bj).post(
        f"{API}/",
        {
            "title": "x",
            "targets": "y",
            "starts_on": "2026-12-05",
            "ends_on": "2026-12-01",
            "tasks": [{"agency": other_bj.organization_id, "description": "z"}],
        },
        format="json",
    )
    assert r.status_code == 400
    fields = r.json()["error"]["fields"]
    assert "ends_on" in fields
