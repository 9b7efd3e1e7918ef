"""The main journey of each app, as its users take it through the pages in a real browser."""

import datetime

import pytest
from django.utils import timezone

from tests.e2e.conftest import submit_transition
from tests.factories import member, official

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF = {
    "name": "certificate.pdf",
    "mimeType": "application/pdf",
    "buffer": b"%PDF-1.4\n% test certificate\n%%EOF\n",
}


def _flash(page) -> str:
    return " ".join(page.locator(".alert").all_inner_texts())


def test_recognition_verified_across_regions_and_checked_publicly(browser):
    """Talent (art. 14): an employer in Tianjin asks Tianjin to recognize a Beijing title; Tianjin asks
    Beijing to verify it, Beijing acknowledges and verifies, Tianjin recognizes it, and anyone checks
    the certificate on the public page."""
    from talent.models import RecognitionRequest
    from tests.talent.factories import Agencies, make_id_number

    agencies = Agencies()
    id_number = make_id_number()

    applicant = browser.sign_in(agencies.employer, locale="en-US")
    applicant.goto("/talent/requests/new/")
    applicant.fill("#id_person_name", "王建国")
    applicant.fill("#id_id_number", id_number)
    applicant.select_option("#id_kind", "title")
    applicant.select_option("#id_series", "engineering")
    applicant.select_option("#id_level", "senior_deputy")
    applicant.fill("#id_name", "高级工程师")
    applicant.select_option("#id_issuing_region", "110000")
    applicant.fill("#id_issuing_authority", "北京市人力资源和社会保障局")
    applicant.fill("#id_certificate_number", "BJ-GC-000777")
    applicant.fill("#id_issued_on", "2021-06-30")
    applicant.select_option("#id_host_region", "120000")
    applicant.set_input_files("#id_evidence", PDF)
    with applicant.expect_navigation():
        applicant.locator("main form button[type=submit]").last.click()
    req = RecognitionRequest.objects.get()
    assert applicant.url.endswith(req.get_absolute_url())
    assert id_number not in applicant.content()  # the full ID number is not shown to the employer

    host = browser.sign_in(agencies.officer["120000"], locale="en-US")
    host.goto(req.get_absolute_url())
    submit_transition(host, "request_verification")

    issuer = browser.sign_in(agencies.officer["110000"], locale="en-US")
    issuer.goto("/talent/requests/?queue=verification")
    with issuer.expect_navigation():
        issuer.click(f"text={req.reference}")
    submit_transition(issuer, "acknowledge")
    submit_transition(issuer, "verify")
    req.refresh_from_db()
    assert req.state == "verified"

    host.goto(req.get_absolute_url())
    submit_transition(host, "recognize")
    req.refresh_from_db()
    assert req.state == "recognized"

    applicant.goto(req.get_absolute_url())
    with applicant.expect_navigation():
        applicant.click(f"text={req.certificate.code}")
    assert applicant.locator("svg").count() >= 1  # the QR code
    verify_link = applicant.get_attribute("a:has-text('Public verification page')", "href")

    public = browser.page(locale="en-US")  # nobody signed in
    public.goto(verify_link)
    result = public.locator("#verification-result")
    assert result.get_attribute("data-status") == "valid" or "Valid" in result.inner_text()
    assert req.certificate.code in result.inner_text()
    public.goto("/talent/verify/?code=NO-SUCH-CODE")
    assert public.locator("#verification-result").get_attribute("data-status") == "unknown"


def test_demand_published_and_its_matches_seen(browser):
    """Technology transfer (art. 9): a Beijing enterprise publishes a demand; Beijing's official reviews
    and publishes it; the enterprise sees the matching supply of a Tianjin university."""
    from tests.transfer.factories import ListingFactory
    from transfer.models import Listing

    supplier = member("120000")
    ListingFactory(
        owner=supplier.organization,
        kind="supply",
        title="固态锂电池电解质制备技术",
        summary="固态电解质与锂电池",
        description="硫化物固态电解质的低成本制备工艺，适用于动力锂电池与储能电池。",
        field="nev_icv",
        state="published",
    )
    enterprise = member("110000")
    page = browser.sign_in(enterprise, locale="en-US")
    page.goto("/transfer/listings/new/")
    page.select_option("#id_kind", "demand")
    page.fill("#id_title", "寻求固态锂电池电解质技术")
    page.fill("#id_summary", "动力电池企业寻求固态电解质技术")
    page.fill("#id_description", "需要硫化物固态电解质制备技术，用于动力锂电池量产。")
    page.select_option("#id_field", "nev_icv")
    page.select_option("#id_transfer_mode", "license")
    page.fill("#id_price", "2000000")
    page.fill("#id_contact_name", "刘工")
    page.fill("#id_contact_phone", "13900001111")
    page.fill("#id_expires_on", (timezone.localdate() + datetime.timedelta(days=90)).isoformat())
    with page.expect_navigation():
        page.click("button[name=submit]")
    demand = Listing.objects.get(kind="demand")
    assert demand.state == "submitted"

    reviewer = browser.sign_in(official("110000"), locale="en-US")
    reviewer.goto(demand.get_absolute_url())
    submit_transition(reviewer, "publish")
    demand.refresh_from_db()
    assert demand.state == "published"

    page.goto(demand.get_absolute_url())
    matches = page.locator("#matches")
    assert "固态锂电池电解质制备技术" in matches.inner_text()
    # and the public finds the demand
    public = browser.page(locale="en-US")
    public.goto("/transfer/?kind=demand")
    assert "寻求固态锂电池电解质技术" in public.content()


def test_referral_sent_acknowledged_accepted_and_concluded(browser):
    """IP enforcement (art. 17): a Beijing agency records a case and refers the clue to Tianjin, where
    the infringement took place; Tianjin acknowledges, opens a case, investigates and concludes; Beijing
    reads the feedback."""
    from ip_enforcement.models import Case, Referral
    from tests.ip_enforcement.factories import ip_officer

    bj, tj = ip_officer("110000"), ip_officer("120000")
    sender = browser.sign_in(bj, locale="en-US")
    sender.goto("/ip/cases/new/")
    sender.select_option("#id_ip_type", "patent")
    sender.select_option("#id_infringement_type", "infringement")
    sender.fill("#id_title", "发明专利侵权线索")
    sender.fill("#id_summary", "涉嫌制造、销售侵犯发明专利权的产品。")
    sender.fill("#id_place", "天津市滨海新区")
    sender.select_option("#id_place_region", "120000")
    sender.fill("#id_right_holder_name", "北京某科技有限公司")
    sender.fill("#id_infringer_name", "天津某制造有限公司")
    with sender.expect_navigation():
        sender.click("main form button[type=submit]")
    case = Case.objects.get()
    assert sender.url.endswith(case.get_absolute_url())
    with sender.expect_navigation():
        sender.click(f"a[href='/ip/cases/{case.pk}/refer/']")
    sender.select_option("#id_to_agency", str(tj.organization_id))
    sender.fill("#id_reason", "侵权行为地在天津，贵局有管辖权。")
    with sender.expect_navigation():
        sender.click("main form button[type=submit]")
    referral = Referral.objects.get()
    assert sender.url.endswith(referral.get_absolute_url())

    receiver = browser.sign_in(tj, locale="en-US")
    receiver.goto("/ip/")
    with receiver.expect_navigation():
        receiver.click(f"text={referral.number}")
    submit_transition(receiver, "acknowledge")
    submit_transition(receiver, "accept", received_case_number="津知执立〔2026〕7号")
    submit_transition(receiver, "investigate")
    submit_transition(receiver, "conclude", outcome="mediation", feedback="双方达成调解协议。")
    referral.refresh_from_db()
    assert referral.state == "concluded" and referral.outcome == "mediation"

    sender.goto(referral.get_absolute_url())
    body = sender.locator("main").inner_text()
    assert "双方达成调解协议。" in body and "津知执立〔2026〕7号" in body


def test_voucher_applied_used_in_another_region_claimed_approved_and_settled(browser):
    """Innovation vouchers (art. 13, 15): a Beijing enterprise applies for a Beijing voucher, books a
    service at a Tianjin provider, the provider claims, the enterprise confirms, Beijing approves the
    claim and pays it in a settlement batch."""
    from tests.vouchers.factories import make_enterprise, make_programme, make_provider
    from vouchers.models import Application, Claim, SettlementBatch

    programme, officer = make_programme("110000")
    enterprise = make_enterprise("110000")
    provider, provider_member, service = make_provider("120000", price="3000")

    ent = browser.sign_in(enterprise, locale="en-US")
    ent.goto(f"/vouchers/programmes/{programme.pk}/")
    ent.fill("#id_amount", "8000")
    ent.fill("#id_purpose", "材料检测")
    with ent.expect_navigation():
        ent.click("main form button[type=submit]")
    application = Application.objects.get(applicant=enterprise.organization)
    assert ent.url.endswith(application.get_absolute_url())

    off = browser.sign_in(officer, locale="en-US")
    off.goto(application.get_absolute_url())
    submit_transition(off, "approve")
    application.refresh_from_db()
    voucher = application.voucher

    ent.goto("/vouchers/vouchers/")
    with ent.expect_navigation():
        ent.click(f"text={voucher.code}")
    # the service is found by typing part of its name; its name shows once its number is in the box
    ent.locator("#id_service").press_sequentially(service.name[-4:])
    ent.wait_for_selector(f'#id_service-options option[value="{service.pk}"]', state="attached")
    ent.fill("#id_service", str(service.pk))
    ent.dispatch_event("#id_service", "input")
    assert ent.text_content("#id_service-name").startswith(service.name)
    ent.fill("#id_quantity", "2")
    with ent.expect_navigation():
        ent.locator("main form:has(#id_service) button[type=submit]").click()
    claim = Claim.objects.get(voucher=voucher)
    assert claim.provider_region_id == "120000" and claim.issuing_region_id == "110000"

    prov = browser.sign_in(provider_member, locale="en-US")
    prov.goto(f"/vouchers/claims/{claim.pk}/")
    for key in ("contract", "invoice", "payment_proof", "service_record"):
        prov.set_input_files(f"#id_{key}", {**PDF, "name": f"{key}.pdf"})
    with prov.expect_navigation():
        prov.locator("form:has(input[name=transition][value=file]) button[type=submit]").click()
    claim.refresh_from_db()
    assert claim.state == "filed", _flash(prov)

    ent.goto(f"/vouchers/claims/{claim.pk}/")
    ent.select_option("#id_rating", "4")
    with ent.expect_navigation():
        ent.locator("form:has(input[name=transition][value=confirm]) button[type=submit]").click()

    off.goto(f"/vouchers/claims/{claim.pk}/")
    submit_transition(off, "approve")
    claim.refresh_from_db()
    assert claim.state == "approved"

    off.goto("/vouchers/settlements/")
    off.select_option("#list-form select[name=provider]", str(provider.pk))
    with off.expect_navigation():
        off.click("#list-form button[type=submit]")
    batch = SettlementBatch.objects.get()
    submit_transition(off, "pay")
    batch.refresh_from_db()
    assert batch.state == "paid"
    claim.refresh_from_db()
    assert claim.state == "paid"

    prov.goto("/vouchers/settlements/")
    assert prov.locator(f"a[href='{batch.get_absolute_url()}']").count() >= 1


def test_joint_application_from_draft_to_joint_approval(browser):
    """Joint basic research (art. 7, 8): a Beijing university and a Tianjin enterprise apply together to
    a Tianjin-led programme; the draft is saved and submitted, Tianjin accepts it after the formal
    check, an expert reviews it, and Beijing and Tianjin each approve their part: jointly approved."""
    from cooperation.models import Application, Project, Review
    from tests.cooperation.factories import Cast, open_programme

    cast = Cast()
    programme, topic = open_programme(cast)

    applicant = browser.sign_in(cast.applicant, locale="en-US")
    applicant.goto(f"/cooperation/programmes/{programme.pk}/")
    applicant.goto(f"/cooperation/programmes/{programme.pk}/apply/")
    applicant.select_option("#id_topic", str(topic.pk))
    applicant.fill("#id_title", "类脑芯片联合攻关")
    applicant.fill("#id_research_plan", "三年计划：类脑芯片架构、工艺与应用验证。")
    # the applicant's own organization is filled in; the partner is found by typing part of its name,
    # and its name shows once its code is in the box
    assert applicant.input_value("#id_p-0-organization") == cast.applicant.organization.uscc
    applicant.fill("#id_p-0-principal_investigator", "李四")
    applicant.fill("#id_p-0-budget", "900000")
    partner = cast.partner.organization
    partner.name = "天津类脑芯片有限公司"
    partner.save()
    applicant.locator("#id_p-1-organization").press_sequentially("类脑芯片")
    applicant.wait_for_selector(
        f'#id_p-1-organization-options option[value="{partner.uscc}"]', state="attached"
    )
    applicant.fill("#id_p-1-organization", partner.uscc)
    applicant.dispatch_event("#id_p-1-organization", "input")
    assert applicant.text_content("#id_p-1-organization-name").startswith(partner.name)
    applicant.fill("#id_p-1-principal_investigator", "王五")
    applicant.fill("#id_p-1-budget", "600000")
    with applicant.expect_navigation():
        applicant.click("main form button[type=submit]")
    application = Application.objects.get(title="类脑芯片联合攻关")
    assert application.state == "draft"
    assert applicant.url.endswith(application.get_absolute_url())
    submit_transition(applicant, "submit")
    application.refresh_from_db()
    assert application.state == "submitted"

    tj_officer = browser.sign_in(cast.tj_officer, locale="en-US")
    tj_officer.goto(application.get_absolute_url())
    submit_transition(tj_officer, "accept")

    bj_coord = browser.sign_in(cast.bj_coord, locale="en-US")
    bj_coord.goto(application.get_absolute_url())
    bj_coord.select_option("#id_expert", str(cast.expert1.pk))
    with bj_coord.expect_navigation():
        bj_coord.click("form[action$='/assign/'] button[type=submit]")
    review = Review.objects.get(application=application, expert=cast.expert1)

    expert = browser.sign_in(cast.expert1, locale="en-US")
    expert.goto(review.get_absolute_url())
    expert.fill("#id_innovation", "24")
    expert.fill("#id_feasibility", "22")
    expert.fill("#id_team", "20")
    expert.fill("#id_collaboration", "21")
    expert.fill("#id_comments", "路线清晰")
    with expert.expect_navigation():
        expert.click("button[name=do][value=submit]")
    review.refresh_from_db()
    assert review.state == "submitted"

    tj_coord = browser.sign_in(cast.tj_coord, locale="en-US")
    tj_coord.goto(application.get_absolute_url())
    submit_transition(tj_coord, "finish_review")

    bj_officer = browser.sign_in(cast.bj_officer, locale="en-US")
    bj_officer.goto(application.get_absolute_url())
    submit_transition(bj_officer, "approve_region")
    application.refresh_from_db()
    assert application.state == "decision_pending"  # Tianjin has not decided yet
    tj_officer.goto(application.get_absolute_url())
    submit_transition(tj_officer, "approve_region")
    application.refresh_from_db()
    assert application.state == "approved"
    assert Project.objects.filter(application=application).exists()

    applicant.goto(application.get_absolute_url())
    assert "Approved" in applicant.locator("main").inner_text()
