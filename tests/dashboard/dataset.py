"""A crafted data set whose cockpit figures are known in advance (see EXPECTED in test_figures.py).

Domain records are made with the apps' own test factories (through their services where those exist),
then states and times are set directly so that every figure has one known answer. Deadline rows are
made last and by hand, so the scoreboard's times are exact."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from portal.models import Deadline, Region, StateChange
from tests.factories import OrganizationFactory, UserFactory, official

D = Decimal


def _ct(model) -> ContentType:
    return ContentType.objects.get_for_model(model)


def build(scale: int = 1) -> dict:
    """Make the data set; ``scale`` > 1 adds unrelated extra rows of every kind (for the query-count
    test: the number of queries must not grow with the data). Returns handy objects."""
    now = timezone.now()
    objs: dict = {"now": now}
    objs.update(_cooperation(scale))
    objs.update(_transfer(scale))
    objs.update(_talent(now, scale))
    objs.update(_vouchers(scale))
    objs.update(_referrals(scale))
    Deadline.objects.all().delete()  # the services above opened some; the scoreboard rows are made here
    _deadlines(now, scale)
    return objs


def _cooperation(scale: int) -> dict:
    from cooperation.models import Disbursement, Project
    from tests.cooperation.factories import (
        ApplicationFactory,
        ParticipantFactory,
        ProgrammeFactory,
        TopicFactory,
    )

    programme = ProgrammeFactory()  # committed 10,000,000 in each of the three regions
    topic = TopicFactory(programme=programme)
    bj = OrganizationFactory(region=Region.objects.get(pk="110000"))
    tj = OrganizationFactory(region=Region.objects.get(pk="120000"))
    hb = OrganizationFactory(region=Region.objects.get(pk="130600"))  # a Hebei city: province 130000
    a1 = ApplicationFactory(topic=topic, lead_organization=bj, state="submitted")
    ParticipantFactory(application=a1, organization=bj, is_lead=True, budget=D("800000"))
    ParticipantFactory(application=a1, organization=tj, budget=D("700000"))
    a2 = ApplicationFactory(topic=topic, lead_organization=bj, state="approved")
    ParticipantFactory(application=a2, organization=bj, is_lead=True, budget=D("500000"))
    ParticipantFactory(application=a2, organization=hb, budget=D("300000"))
    a3 = ApplicationFactory(topic=topic, lead_organization=bj, state="draft")  # drafts do not count
    ParticipantFactory(application=a3, organization=bj, is_lead=True, budget=D("900000"))
    project = Project.objects.create(
        application=a2, programme=programme, code="JJJ-2026-001", title=a2.title, lead_organization=bj
    )
    Disbursement.objects.create(
        project=project,
        region_id="110000",
        amount=D("200000"),
        paid_on=timezone.localdate(),
        recorded_by=programme.created_by,
    )
    for _i in range(scale - 1):
        extra = ProgrammeFactory(shares=("120000",))
        ApplicationFactory(topic=TopicFactory(programme=extra), state="draft")
    return {"programme": programme, "application": a1}


def _transfer(scale: int) -> dict:
    from tests.transfer.factories import DealFactory, ListingFactory
    from transfer.models import MatchingList, MatchPair

    bj_owner = OrganizationFactory(region=Region.objects.get(pk="110000"))
    tj_owner = OrganizationFactory(region=Region.objects.get(pk="120000"))
    s1 = ListingFactory(owner=bj_owner, kind="supply", state="published")
    s2 = ListingFactory(owner=bj_owner, kind="supply", state="negotiating")
    d1 = ListingFactory(owner=bj_owner, kind="demand", state="published")
    ListingFactory(owner=bj_owner, kind="supply", state="draft")  # not counted
    ListingFactory(owner=tj_owner, kind="supply", state="published")
    ml = MatchingList.objects.create(province_id="110000", period="2026-Q4", title="北京供需对接清单")
    MatchPair.objects.create(matching_list=ml, demand=d1, supply=s1, score=0.9, state="deal")
    MatchPair.objects.create(matching_list=ml, demand=d1, supply=s2, score=0.5, state="contacted")
    shanghai = Region.objects.filter(pk="310000").first()
    DealFactory(seller=bj_owner, buyer_region=Region.objects.get(pk="120000"), contract_amount=D("500000"))
    DealFactory(seller=bj_owner, buyer_region=shanghai, buyer_name="上海某公司", contract_amount=D("300000"))
    hb_seller = OrganizationFactory(region=Region.objects.get(pk="130000"))
    DealFactory(seller=hb_seller, buyer_region=Region.objects.get(pk="110000"), contract_amount=D("100000"))
    for _i in range(scale - 1):
        ListingFactory(owner=tj_owner, kind="supply", state="draft")
    return {"listing": s1}


def _talent(now, scale: int) -> dict:
    from talent.models import RecognitionRequest
    from tests.talent.factories import Agencies, file_request

    agencies = Agencies()
    ct = _ct(RecognitionRequest)
    requests = [
        file_request(agencies.employer, host_region="120000", issuing_region="110000") for _i in range(4)
    ]
    # Q1 recognized after 4 days, Q2 refused after 10, Q3 recognized after 6, Q4 still pending
    for req, state, days in (
        (requests[0], "recognized", 4),
        (requests[1], "refused", 10),
        (requests[2], "recognized", 6),
    ):
        filed = now - datetime.timedelta(days=30)
        RecognitionRequest.objects.filter(pk=req.pk).update(state=state, created_at=filed)
        StateChange.objects.create(
            content_type=ct,
            object_id=str(req.pk),
            transition="decide",
            from_state="verified",
            to_state=state,
            at=filed + datetime.timedelta(days=days),
        )
    RecognitionRequest.objects.filter(pk=requests[3].pk).update(state="verification_requested")
    return {"agencies": agencies, "recognition_request": requests[0]}


def _vouchers(scale: int) -> dict:
    from tests.vouchers.factories import make_enterprise, make_programme, make_provider, make_voucher
    from vouchers.models import Claim, Voucher

    programme, officer = make_programme("130000", budget="100000", cap="20000", ratio="0.5")
    ent1, ent2 = make_enterprise("130000"), make_enterprise("130000")
    v1 = make_voucher(programme, officer, ent1, amount="10000")
    v2 = make_voucher(programme, officer, ent2, amount="5000")
    bj_provider, bj_member, bj_service = make_provider("110000")
    hb_provider, hb_member, hb_service = make_provider("130000")
    tj_provider, tj_member, tj_service = make_provider("120000")

    def claim(voucher, provider, service, member, price, amount, state):
        return Claim.objects.create(
            voucher=voucher,
            provider=provider,
            service=service,
            issuing_region_id="130000",
            provider_region_id=provider.province_id,
            booked_by=member,
            price=D(price),
            subsidy_ratio=D("0.5"),
            amount=D(amount),
            state=state,
        )

    claim(v1, bj_provider, bj_service, bj_member, "2000", "1000", "approved")
    claim(v2, bj_provider, bj_service, bj_member, "1600", "800", "paid")
    claim(v1, hb_provider, hb_service, hb_member, "1000", "500", "approved")
    claim(v2, tj_provider, tj_service, tj_member, "1000", "400", "rejected")  # not money spent
    Voucher.objects.filter(pk=v1.pk).update(redeemed=D("1500"))
    Voucher.objects.filter(pk=v2.pk).update(redeemed=D("800"))
    return {"voucher_programme": programme, "voucher_officer": officer, "enterprise": ent1, "voucher": v1}


def _referrals(scale: int) -> dict:
    from ip_enforcement.models import Referral
    from tests.ip_enforcement.factories import ip_agency, ip_officer, make_referral

    bj_officer, hb_officer = ip_officer("110000"), ip_officer("130000")
    tj_agency = ip_agency("120000")
    r1 = make_referral(bj_officer, tj_agency)
    make_referral(bj_officer, tj_agency)
    make_referral(hb_officer, tj_agency)
    Referral.objects.filter(pk=r1.pk).update(state="accepted", received_case_number="津知执〔2026〕1号")
    return {"referral": r1}


def _deadline(ct, obj_id, kind, region, *, started, due, closed=None, status=None, app_obj=None):
    return Deadline.objects.create(
        content_type=ct,
        object_id=str(obj_id),
        kind=kind,
        label=kind,
        started_at=started,
        due_at=due,
        closed_at=closed,
        status=status or (Deadline.Status.MET if closed else Deadline.Status.OPEN),
        responsible_region_id=region,
    )


def _deadlines(now, scale: int) -> None:
    from cooperation.models import Application
    from ip_enforcement.models import Referral
    from talent.models import RecognitionRequest
    from vouchers.models import Claim

    day = datetime.timedelta(days=1)
    ref, claim = _ct(Referral), _ct(Claim)
    # Referrals answered by Tianjin: R1 acknowledged in 2 days and decided in 10 (both on time);
    # R2 acknowledged in 10 days (late) and decided in 4 (late); R3 not acknowledged, overdue.
    _deadline(
        ref,
        1,
        "ip.referral.acknowledge",
        "120000",
        started=now - 20 * day,
        due=now - 17 * day,
        closed=now - 18 * day,
    )
    _deadline(
        ref,
        1,
        "ip.referral.decide",
        "120000",
        started=now - 18 * day,
        due=now - 5 * day,
        closed=now - 8 * day,
    )
    _deadline(
        ref,
        2,
        "ip.referral.acknowledge",
        "120000",
        started=now - 20 * day,
        due=now - 17 * day,
        closed=now - 10 * day,
    )
    _deadline(
        ref,
        2,
        "ip.referral.decide",
        "120000",
        started=now - 10 * day,
        due=now - 7 * day,
        closed=now - 6 * day,
    )
    _deadline(ref, 3, "ip.referral.acknowledge", "120000", started=now - 10 * day, due=now - 7 * day)
    _deadline(  # cancelled: counts nowhere
        ref,
        4,
        "ip.referral.acknowledge",
        "120000",
        started=now - 10 * day,
        due=now - 7 * day,
        status=Deadline.Status.CANCELLED,
    )
    # A voucher claim reviewed in 2 days by an agency of a Hebei city (province 130000)
    _deadline(
        claim, 1, "voucher_claim_review", "130600", started=now - 3 * day, due=now + 5 * day, closed=now - day
    )
    # Open items that are no cross-region request: a joint-research formal check in Beijing (not due)
    _deadline(_ct(Application), 1, "coop_formal_check", "110000", started=now - day, due=now + 3 * day)
    # and a paused talent verification in Beijing whose date has passed (paused: not overdue)
    _deadline(
        _ct(RecognitionRequest),
        1,
        "talent_verify",
        "110000",
        started=now - 30 * day,
        due=now - day,
        status=Deadline.Status.PAUSED,
    )
    for i in range(scale - 1):  # extra closed rows in a province outside the figures' scope test
        _deadline(
            claim,
            100 + i,
            "voucher_claim_review",
            "120000",
            started=now - 3 * day,
            due=now + 5 * day,
            closed=now - day,
        )


def official_of(province: str, *, coordinator: bool = False):
    return official(province, coordinator=coordinator)


def platform_admin():
    return UserFactory(roles=["platform_admin"])
