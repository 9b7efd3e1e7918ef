"""Demo data for IP enforcement: cases referred between every pair of the three regions, in every
state of the referral process, plus assistance requests, evidence and a joint operation.
Idempotent: each demo case is keyed on its handling agency and title."""

from __future__ import annotations

import datetime
import hashlib
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from portal.models import AgencyDomain, Membership, Organization, OrganizationKind, Region, Role, User
from portal.validators import USCC_CHARSET, uscc_check_character

from . import services
from .models import AssistanceKind, Case, InfringementType, IPType, JointOperation, ReferralState

__all__ = ["load"]

PROVINCES = [
    ("bj", "110000", "北京市知识产权局"),
    ("tj", "120000", "天津市知识产权局"),
    ("hb", "130000", "河北省知识产权局"),
]
STATES = [
    ReferralState.SENT,
    ReferralState.RECEIVED,
    ReferralState.APPRAISAL,
    ReferralState.ACCEPTED,
    ReferralState.RETURNED,
    ReferralState.FORWARDED,
    ReferralState.INVESTIGATING,
    ReferralState.CONCLUDED,
]
IP_TYPES = list(IPType.values)
INFRINGERS = ["某电子科技有限公司", "某贸易商行", "某生物技术有限公司", "某软件开发工作室", "某种业有限公司"]


def _uscc(key: str, region: str, authority: str = "1", org_type: str = "1") -> str:
    rnd = random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))
    body = authority + org_type + region[:6] + "".join(rnd.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_character(body)


def _agency(province: str, name: str) -> Organization:
    org = (
        Organization.objects.filter(
            kind=OrganizationKind.AGENCY,
            agency_domain=AgencyDomain.INTELLECTUAL_PROPERTY,
            province_id=province,
        )
        .order_by("id")
        .first()
    )
    if org is None:
        org, _ = Organization.objects.get_or_create(
            uscc=_uscc(f"demo:{name}", province),
            defaults={
                "kind": OrganizationKind.AGENCY,
                "agency_domain": AgencyDomain.INTELLECTUAL_PROPERTY,
                "name": name,
                "region": Region.objects.get(pk=province),
                "verified": True,
            },
        )
    return org


def _officer(org: Organization, prefix: str) -> User:
    membership = (
        Membership.objects.filter(user__organization=org, role=Role.AGENCY_OFFICER, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    if membership is not None:
        return membership.user
    user, created = User.objects.get_or_create(
        username=f"{prefix}_ip", defaults={"organization": org, "display_name": f"{org.name}经办人"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(
        user=user, role=Role.AGENCY_OFFICER, defaults={"region_id": org.province_id}
    )
    return user


def _advance(referral, state: str, receiver: User, third: Organization) -> None:
    """Take a fresh referral through the real steps until it reaches ``state``."""
    if state == ReferralState.SENT:
        return
    if state == ReferralState.RETURNED:
        services.return_referral(referral, actor=receiver, reason="经核查，侵权行为地不在本局辖区，退回。")
        return
    if state == ReferralState.FORWARDED:
        services.forward_referral(
            referral, actor=receiver, to_agency=third, reason="被控侵权产品的生产地在该局辖区。"
        )
        return
    services.acknowledge_referral(referral, actor=receiver)
    if state == ReferralState.RECEIVED:
        return
    if state == ReferralState.APPRAISAL:
        services.start_appraisal(referral, actor=receiver, reason="委托司法鉴定机构进行技术比对。")
        return
    services.accept_referral(
        referral, actor=receiver, received_case_number=f"知执立〔2026〕{referral.pk % 1000}号"
    )
    if state == ReferralState.ACCEPTED:
        return
    services.start_investigation(referral, actor=receiver)
    if state == ReferralState.INVESTIGATING:
        return
    services.conclude_referral(
        referral,
        actor=receiver,
        outcome="penalty",
        feedback="已作出行政处罚决定：责令停止侵权，没收侵权产品，罚款人民币五万元。",
        penalty_amount="50000.00",
    )


def load(stdout=None) -> None:
    def say(msg: str) -> None:
        if stdout is not None:
            stdout.write(f"  ip_enforcement: {msg}")

    agencies = {code: _agency(code, name) for _p, code, name in PROVINCES}
    officers = {code: _officer(agencies[code], prefix) for prefix, code, _n in PROVINCES}
    names = {code: Region.objects.get(pk=code).name for _p, code, _n in PROVINCES}
    created = 0
    n = 0
    for _pa, a, _na in PROVINCES:
        for _pb, b, _nb in PROVINCES:
            if a == b:
                continue
            third = next(code for _p, code, _n in PROVINCES if code not in (a, b))
            for state in STATES:
                n += 1
                title = f"[演示] {names[a]}→{names[b]} 线索移送（{ReferralState(state).label}）"
                if Case.objects.filter(agency=agencies[a], title=title).exists():
                    continue
                with transaction.atomic():
                    case = services.create_case(
                        actor=officers[a],
                        ip_type=IP_TYPES[n % len(IP_TYPES)],
                        infringement_type=InfringementType.INFRINGEMENT
                        if n % 2
                        else InfringementType.COUNTERFEIT,
                        title=title,
                        summary="权利人投诉：被控侵权人在其经营场所生产、销售侵权产品，侵权行为地在接收方辖区。",
                        place=f"{names[b]}",
                        place_region=b,
                        right_holder_name=f"{names[a]}某创新科技有限公司",
                        infringer_name=f"{names[b]}{INFRINGERS[n % len(INFRINGERS)]}",
                    )
                    referral = services.refer_case(
                        actor=officers[a],
                        case=case,
                        to_agency=agencies[b],
                        reason="侵权行为地、侵权产品储藏地在贵局辖区。",
                    )
                    _advance(referral, state, officers[b], agencies[third])
                    if state == ReferralState.INVESTIGATING:
                        services.add_evidence(
                            actor=officers[a],
                            case=case,
                            upload=SimpleUploadedFile(
                                "公证购买记录.txt", f"公证购买记录 {title}".encode(), "text/plain"
                            ),
                            description="公证购买的侵权产品及票据",
                        )
                        services.add_journal_entry(
                            actor=officers[b], case=case, text="已赴现场检查，查获涉嫌侵权产品。"
                        )
                        req = services.request_assistance(
                            actor=officers[b],
                            case=case,
                            to_agency=agencies[a],
                            kind=AssistanceKind.INVESTIGATION,
                            actions="请协助核实权利人的专利权属与许可情况。",
                        )
                        services.acknowledge_assistance(req, actor=officers[a])
                        services.accept_assistance(req, actor=officers[a])
                        services.answer_assistance(
                            req, actor=officers[a], findings="权属清晰，未发现许可记录。"
                        )
                created += 1
    title = "[演示] 京津冀商标侵权联合执法行动"
    if not JointOperation.objects.filter(title=title).exists():
        op = services.create_operation(
            actor=officers["110000"],
            title=title,
            targets="京津冀三地销售假冒注册商标商品的仓库与网店",
            starts_on=datetime.date(2026, 12, 1),
            ends_on=datetime.date(2026, 12, 10),
            tasks=[
                {"agency": agencies["120000"], "description": "检查天津港保税区仓库"},
                {"agency": agencies["130000"], "description": "检查廊坊物流园区仓库"},
            ],
        )
        services.start_operation(op, actor=officers["110000"])
        task = op.tasks.get(agency=agencies["120000"])
        services.record_task_result(task, actor=officers["120000"], result="查获假冒注册商标商品1,200件。")
        created += 1
    say(f"{created} demo records created ({n} referral scenarios between all pairs of regions)")
