"""The referral path and an assistance request through the pages, the refusals, and the evidence."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ip_enforcement.models import AssistanceRequest, Case, Evidence, EvidenceAccess, JournalEntry, Referral

from .factories import case_data, make_case, make_referral, right_holder, text_upload

pytestmark = pytest.mark.django_db


def page(client, user):
    client.force_login(user)
    return client


def test_whole_referral_path_by_pages(client, bj, tj):
    c = page(client, bj)
    r = c.post(reverse("ip_enforcement:case_create"), {**case_data(), "place_region": "120000"})
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    r = c.post(
        reverse("ip_enforcement:referral_create", args=[case.pk]),
        {"to_agency": tj.organization_id, "reason": "侵权行为地在天津"},
    )
    assert r.status_code == 302
    ref = Referral.objects.get()
    assert r["Location"] == ref.get_absolute_url()

    c.force_login(tj)
    home = c.get(reverse("ip_enforcement:home"))
    assert ref.number in home.content.decode()
    detail = c.get(ref.get_absolute_url()).content.decode()
    assert "acknowledge" in detail and "transition-form" in detail
    step = reverse("ip_enforcement:referral_step", args=[ref.pk])
    for data in (
        {"transition": "acknowledge"},
        {"transition": "accept", "received_case_number": "津知执立〔2026〕7号"},
        {"transition": "investigate"},
        {"transition": "conclude", "outcome": "mediation", "feedback": "双方达成调解协议。"},
    ):
        assert c.post(step, data).status_code == 302
    ref.refresh_from_db()
    assert ref.state == "concluded" and ref.outcome == "mediation"

    c.force_login(bj)
    mine = c.get(ref.get_absolute_url()).content.decode()
    assert "双方达成调解协议。" in mine and "津知执立〔2026〕7号" in mine
    # the case page shows the referral's steps in its timeline
    timeline = (
        c.get(case.get_absolute_url()).content.decode().split('id="case-timeline"')[1].split("</ol>")[0]
    )
    for step in ("send", "acknowledge", "accept", "investigate", "conclude"):
        assert f"{step}:" in timeline


def test_page_refusals_name_the_problem_and_change_nothing(client, bj, tj):
    ref = make_referral(bj, tj.organization)
    c = page(client, tj)
    step = reverse("ip_enforcement:referral_step", args=[ref.pk])
    c.post(step, {"transition": "acknowledge"})
    r = c.post(step, {"transition": "accept"}, follow=True)
    assert "received_case_number" in r.content.decode()
    ref.refresh_from_db()
    assert ref.state == "received"
    # the referring agency may not act for the receiver
    c.force_login(bj)
    assert c.post(step, {"transition": "return", "reason": "x"}).status_code == 403
    # a bad case form is a 400 naming the field
    r = c.post(reverse("ip_enforcement:case_create"), {**case_data(), "infringer_uscc": "91350100M000100Y44"})
    assert r.status_code == 400 and 'data-field="infringer_uscc"' in r.content.decode()


def test_assistance_request_by_pages(client, bj, tj):
    case = make_case(bj)
    c = page(client, bj)
    r = c.post(
        reverse("ip_enforcement:assistance_create", args=[case.pk]),
        {"to_agency": tj.organization_id, "kind": "enforcement", "actions": "请协助查封涉案设备"},
    )
    assert r.status_code == 302
    req = AssistanceRequest.objects.get()
    c.force_login(tj)
    step = reverse("ip_enforcement:assistance_step", args=[req.pk])
    assert c.post(step, {"transition": "acknowledge"}).status_code == 302
    assert c.post(step, {"transition": "accept"}).status_code == 302
    r = c.post(
        step, {"transition": "answer", "findings": "已查封设备3台。", "files": [text_upload("查封笔录.txt")]}
    )
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.state == "answered" and req.evidence.count() == 1
    c.force_login(bj)
    body = c.get(req.get_absolute_url()).content.decode()
    assert "已查封设备3台。" in body and "查封笔录.txt" in body


def test_agency_not_involved_gets_404_on_case_journal_and_evidence_pages(client, bj, tj, hb):
    ref = make_referral(bj, tj.organization)
    case = ref.case
    c = page(client, bj)
    c.post(
        reverse("ip_enforcement:journal_add", args=[case.pk]), {"kind": "comment", "text": "已约谈涉案企业"}
    )
    c.post(
        reverse("ip_enforcement:evidence_add", args=[case.pk]),
        {"description": "公证书", "file": text_upload()},
    )
    ev = Evidence.objects.get()
    assert JournalEntry.objects.count() == 1
    body = page(client, tj).get(case.get_absolute_url()).content.decode()
    assert "已约谈涉案企业" in body and "evidence.txt" in body

    c = page(client, hb)
    assert c.get(case.get_absolute_url()).status_code == 404
    assert (
        c.post(
            reverse("ip_enforcement:journal_add", args=[case.pk]), {"kind": "comment", "text": "x"}
        ).status_code
        == 404
    )
    assert (
        c.post(
            reverse("ip_enforcement:evidence_add", args=[case.pk]),
            {"description": "x", "file": text_upload()},
        ).status_code
        == 404
    )
    assert c.get(reverse("ip_enforcement:evidence_download", args=[ev.pk])).status_code == 404
    assert c.get(reverse("ip_enforcement:referral_create", args=[case.pk])).status_code == 404
    assert c.get(ref.get_absolute_url()).status_code == 404
    listing = c.get(reverse("ip_enforcement:case_list")).content.decode()
    assert case.number not in listing
    assert not EvidenceAccess.objects.filter(user=hb).exists()
    # the core's attachment download refuses too
    assert c.get(reverse("portal:attachment_download", args=[ev.attachment_id])).status_code == 404


def test_tampered_evidence_is_refused_on_the_page_and_logged(client, bj):
    case = make_case(bj)
    c = page(client, bj)
    c.post(
        reverse("ip_enforcement:evidence_add", args=[case.pk]),
        {"description": "公证书", "file": text_upload()},
    )
    ev = Evidence.objects.get()
    url = reverse("ip_enforcement:evidence_download", args=[ev.pk])
    assert c.get(url).status_code == 200
    with open(ev.attachment.file.path, "r+b") as fh:
        fh.write(b"X")
    r = c.get(url)
    assert r.status_code == 409 and "SHA-256" in r.content.decode()
    assert EvidenceAccess.objects.filter(evidence=ev, action="integrity_failure").count() == 1
    c.get(case.get_absolute_url())
    assert EvidenceAccess.objects.filter(evidence=ev, action="view", user=bj).count() == 1


def test_right_holder_files_a_complaint_by_page(client, tj):
    holder = right_holder("110000")
    c = page(client, holder)
    assert c.get(reverse("ip_enforcement:complaint_create")).status_code == 200
    r = c.post(reverse("ip_enforcement:complaint_create"), {**case_data(), "agency": tj.organization_id})
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.source == "complaint" and case.agency_id == tj.organization_id
    assert case.number in c.get(reverse("ip_enforcement:home")).content.decode()
    # it is the agency's case clue now
    assert case.number in page(client, tj).get(reverse("ip_enforcement:case_list")).content.decode()
    # a right holder may not open agency cases
    c.force_login(holder)
    assert c.get(reverse("ip_enforcement:case_create")).status_code == 403


def test_excel_export_uses_the_filtered_list(client, bj, tj):
    make_referral(bj, tj.organization)
    make_case(bj, ip_type="trademark")
    c = page(client, bj)
    r = c.get(reverse("ip_enforcement:case_list"), {"ip_type": "trademark", "export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    import openpyxl

    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    r = c.get(reverse("ip_enforcement:referral_list"), {"direction": "outgoing", "export": "xlsx"})
    assert len(list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))) == 2


def test_pages_are_chinese_by_default_and_english_on_request(client, bj, tj):
    ref = make_referral(bj, tj.organization)
    c = page(client, bj)
    body = c.get(ref.get_absolute_url()).content.decode()
    assert "已移送" in body and "管辖依据" in body
    c.cookies["django_language"] = "en"
    body = c.get(ref.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Grounds for jurisdiction" in body


def test_forward_by_page_starts_a_referral_to_the_competent_agency(client, bj, tj, hb):
    ref = make_referral(bj, tj.organization)
    c = page(client, tj)
    body = c.get(ref.get_absolute_url()).content.decode()
    assert 'name="to_agency"' in body
    step = reverse("ip_enforcement:referral_step", args=[ref.pk])
    r = c.post(step, {"transition": "forward", "to_agency": hb.organization_id, "reason": "生产地在河北"})
    assert r.status_code == 302
    child = Referral.objects.get(parent=ref)
    assert child.to_agency_id == hb.organization_id and child.state == "sent"
    assert child.number in page(client, hb).get(reverse("ip_enforcement:home")).content.decode()


def test_the_referral_and_assistance_pages_and_exports_show_the_case_and_both_agencies(client, bj, tj):
    """The pages and Excel exports read the case number and the agencies' names as columns of each row
    (selectors.referral_rows / assistance_rows): each row shows them, as the detail's records have them."""
    import io

    import openpyxl

    from .factories import make_request

    ref = make_referral(bj, tj.organization)
    req = make_request(bj, tj.organization)
    c = page(client, bj)
    for name, obj in [("referral_list", ref), ("assistance_list", req)]:
        html = c.get(reverse(f"ip_enforcement:{name}")).content.decode()
        row = html[html.index(obj.number) :].split("</tr>")[0]
        for shown in (obj.case.number, obj.from_agency.name, obj.to_agency.name):
            assert shown in row, (name, shown)
        r = c.get(reverse(f"ip_enforcement:{name}"), {"export": "xlsx"})
        cells = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))[1]
        assert {obj.number, obj.case.number, obj.from_agency.name, obj.to_agency.name} <= set(cells)
