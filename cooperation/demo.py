"""Demo data for joint research: one programme in each state of its life (draft, awaiting approval,
open, closed, finished), applications in every state, reviews, projects with milestones, reports and
disbursements, and a few consortia and joint labs. Idempotent: programmes are keyed on (year, title)
and built once through the services; consortia on their name; organizations on their credit code;
users on their username."""

from __future__ import annotations

import datetime
import hashlib
import random
from decimal import Decimal

from django.utils import timezone

from portal.models import AgencyDomain, Membership, Organization, OrganizationKind, Region, Role, User
from portal.validators import USCC_CHARSET, uscc_check_character

from . import services
from .models import Application, ApplicationState, Consortium, ExpertField, KeyField, Programme, Review

__all__ = ["load"]

YEAR = 2026


def _password() -> str:
    try:
        from portal.management.commands.seed_demo import DEMO_PASSWORD

        return DEMO_PASSWORD
    except ImportError:
        return "Demo-Portal-2026!"


def _uscc(key: str, region: str, authority: str) -> str:
    rnd = random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))
    body = authority + "1" + region[:6] + "".join(rnd.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_character(body)


def _org(province: str, name: str, kind: str) -> Organization:
    if kind == OrganizationKind.AGENCY:
        found = (
            Organization.objects.filter(kind=kind, agency_domain=AgencyDomain.SCIENCE, province_id=province)
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found
    else:
        found = Organization.objects.filter(name=name, province_id=province).order_by("pk").first()
        if found is not None:
            return found
    org, _ = Organization.objects.get_or_create(
        uscc=_uscc(f"coop-demo:{name}", province, "1" if kind == OrganizationKind.AGENCY else "9"),
        defaults={
            "kind": kind,
            "name": name,
            "region": Region.objects.get(pk=province),
            "agency_domain": AgencyDomain.SCIENCE if kind == OrganizationKind.AGENCY else "",
            "verified": True,
        },
    )
    return org


def _user(username: str, role: str, org: Organization, display_name: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "organization": org,
            "display_name": display_name,
            "email": f"{username}@demo.portal.invalid",
        },
    )
    if created:
        user.set_password(_password())
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, role=role)
    return user


class _People:
    def __init__(self):
        bj_agency = _org("110000", "北京市科学技术委员会", OrganizationKind.AGENCY)
        tj_agency = _org("120000", "天津市科学技术局", OrganizationKind.AGENCY)
        hb_agency = _org("130000", "河北省科学技术厅", OrganizationKind.AGENCY)
        self.bj_officer = _user("coop_bj_officer", Role.AGENCY_OFFICER, bj_agency, "北京科委项目处")
        self.bj_coord = _user("coop_bj_coord", Role.REGION_COORDINATOR, bj_agency, "北京协同创新协调员")
        self.tj_officer = _user("coop_tj_officer", Role.AGENCY_OFFICER, tj_agency, "天津科技局基础处")
        self.tj_coord = _user("coop_tj_coord", Role.REGION_COORDINATOR, tj_agency, "天津协同创新协调员")
        self.hb_officer = _user("coop_hb_officer", Role.AGENCY_OFFICER, hb_agency, "河北科技厅基础处")
        self.hb_coord = _user("coop_hb_coord", Role.REGION_COORDINATOR, hb_agency, "河北协同创新协调员")
        uni = _org("110000", "北京智源脑科学研究院", OrganizationKind.INSTITUTE)
        ent = _org("120000", "天津飞腾信息技术有限公司", OrganizationKind.ENTERPRISE)
        hb = _org("130000", "河北以岭组分中药研究院", OrganizationKind.INSTITUTE)
        self.bj_applicant = _user("coop_bj_applicant", Role.ENTERPRISE_MEMBER, uni, "智源科研管理办")
        self.tj_applicant = _user("coop_tj_applicant", Role.ENTERPRISE_MEMBER, ent, "飞腾科研部")
        self.hb_applicant = _user("coop_hb_applicant", Role.ENTERPRISE_MEMBER, hb, "以岭科研处")
        e1 = _org("110000", "中国科学院北京分院", OrganizationKind.INSTITUTE)
        e2 = _org("130000", "河北工业大学", OrganizationKind.UNIVERSITY)
        self.expert1 = _user("coop_expert1", Role.EXPERT_REVIEWER, e1, "刘专家")
        self.expert2 = _user("coop_expert2", Role.EXPERT_REVIEWER, e2, "陈专家")
        for user, fields in (
            (self.expert1, (KeyField.BRAIN, KeyField.SOFTWARE_HARDWARE, KeyField.COMMUNICATIONS)),
            (self.expert2, (KeyField.BRAIN, KeyField.NEV_ICV, KeyField.BIOPHARMA, KeyField.TCM_COMPONENTS)),
        ):
            for field in fields:
                ExpertField.objects.get_or_create(expert=user, field=field)
        self.officials = {
            "110000": self.bj_officer,
            "120000": self.tj_officer,
            "130000": self.hb_officer,
        }


def _programme(p: _People, title: str, topics: list[tuple[str, str, str]]) -> tuple[Programme, bool]:
    existing = Programme.objects.filter(year=YEAR, title=title).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    programme = services.create_programme(
        actor=p.tj_officer,
        year=YEAR,
        title=title,
        guide="按照统一规划、统一立项、统一管理、分工协作、联合研究的原则，支持三地单位围绕同一方向和技术路线联合攻关。",
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=45),
        funding_cap=Decimal("3000000"),
        min_regions=2,
        region_budgets={
            "110000": Decimal("20000000"),
            "120000": Decimal("15000000"),
            "130000": Decimal("8000000"),
        },
        topics=[{"code": c, "title": t, "field": f} for c, t, f in topics],
    )
    return programme, True


def _publish(p: _People, programme: Programme) -> None:
    services.submit_programme(programme, actor=p.tj_officer)
    for coord in (p.bj_coord, p.tj_coord, p.hb_coord):
        programme.refresh_from_db()
        services.approve_programme(programme, actor=coord)
    programme.refresh_from_db()


def _team(p: _People, i: int) -> list[dict]:
    lead, partner, third = [
        (p.bj_applicant, p.tj_applicant, p.hb_applicant),
        (p.tj_applicant, p.hb_applicant, p.bj_applicant),
        (p.hb_applicant, p.bj_applicant, p.tj_applicant),
    ][i % 3]
    return lead, [
        {
            "organization": lead.organization_id,
            "principal_investigator": "王建国",
            "budget": Decimal("1200000"),
        },
        {
            "organization": partner.organization_id,
            "principal_investigator": "李秀英",
            "budget": Decimal("800000"),
        },
        {
            "organization": third.organization_id,
            "principal_investigator": "张伟",
            "budget": Decimal("500000"),
        },
    ]


ORDER = [
    ApplicationState.SUBMITTED,
    ApplicationState.UNDER_REVIEW,
    ApplicationState.DECISION_PENDING,
]


def _walk(p: _People, programme: Programme, i: int, title: str, target: str) -> Application:
    """Build one application through the services up to ``target``."""
    lead, rows = _team(p, i)
    app = services.save_application(
        actor=lead,
        programme=programme,
        topic=programme.topics.order_by("code")[i % programme.topics.count()],
        title=title,
        research_plan="第一年：联合攻关关键技术；第二年：样机验证；第三年：示范应用与成果转化。",
        participants=rows,
    )
    if target == ApplicationState.DRAFT:
        return app
    if target == ApplicationState.WITHDRAWN:
        return services.withdraw_application(app, actor=lead, reason="团队调整，撤回申报")
    services.submit_application(app, actor=lead)
    if target == ApplicationState.SUBMITTED:
        return app
    if target == ApplicationState.RETURNED:
        return services.return_application(app, actor=p.tj_officer, reason="请补充各地区经费分解说明")
    services.accept_application(app, actor=p.tj_officer)
    r1 = services.assign_expert(app, actor=p.tj_coord, expert=p.expert1)
    r2 = services.assign_expert(app, actor=p.bj_coord, expert=p.expert2)
    base = 14 + (i * 3) % 10
    services.submit_review(
        r1,
        actor=p.expert1,
        innovation=base,
        feasibility=base - 1,
        team=base + 1,
        collaboration=base,
        comments="研究方向与技术路线关联紧密，三地分工明确。",
    )
    if target == ApplicationState.UNDER_REVIEW:
        return app
    services.submit_review(
        Review.objects.get(pk=r2.pk),
        actor=p.expert2,
        innovation=base + 2,
        feasibility=base,
        team=base,
        collaboration=base + 1,
        comments="建议加强中试验证。",
    )
    services.finish_review(app, actor=p.tj_coord)
    if target == ApplicationState.DECISION_PENDING:
        return app
    funding = sorted({r["organization"] for r in rows})
    regions = sorted(Organization.objects.filter(pk__in=funding).values_list("province_id", flat=True))
    if target == ApplicationState.REJECTED:
        services.approve_application(app, actor=p.officials[regions[0]])
        return services.refuse_application(
            app, actor=p.officials[regions[-1]], reason="本年度经费已用完，建议下年度申报"
        )
    for region in regions:
        app.refresh_from_db()
        services.approve_application(app, actor=p.officials[region])
    app.refresh_from_db()
    return app


def _project_life(p: _People, app: Application, *, conclude: bool) -> None:
    project = app.project
    lead = User.objects.filter(
        organization_id=project.lead_organization_id, username__startswith="coop_"
    ).first()
    services.add_milestone(
        project,
        actor=lead,
        title="完成关键技术攻关",
        due_date=timezone.localdate() + datetime.timedelta(days=180),
    )
    services.schedule_report(
        project,
        actor=p.tj_officer,
        period=f"{YEAR}年度",
        due_date=timezone.localdate() + datetime.timedelta(days=20),
    )
    for region, official in p.officials.items():
        granted = sum(x.budget for x in app.participants.filter(province_id=region))
        if granted:
            services.record_disbursement(
                project, actor=official, amount=granted / 2, paid_on=timezone.localdate()
            )
    if not conclude:
        return
    services.submit_report(
        project.reports.get(), actor=lead, content="已完成年度研究任务，发表论文3篇，申请专利2项。"
    )
    services.start_midterm(project, actor=p.tj_officer)
    services.pass_midterm(project, actor=p.tj_officer, reason="中期检查合格，继续支持。")
    services.request_acceptance(project, actor=lead)
    services.accept_project(project, actor=p.tj_officer, reason="通过结题验收：完成全部考核指标。")


def load(stdout=None) -> None:
    p = _People()
    out = (lambda msg: stdout.write(msg)) if stdout is not None else (lambda msg: None)

    prog, new = _programme(
        p, "京津冀基础研究合作专项（筹备中）", [("A1", "开源基础软件生态", KeyField.SOFTWARE_HARDWARE)]
    )
    out(f"programme draft: {prog} {'created' if new else 'exists'}")

    prog, new = _programme(
        p, "京津冀先进通讯联合专项（待批准）", [("C1", "6G通感一体化", KeyField.COMMUNICATIONS)]
    )
    if new:
        services.submit_programme(prog, actor=p.tj_officer)
        services.approve_programme(prog, actor=p.bj_coord)
    out(f"programme awaiting approval: {prog}")

    prog, new = _programme(
        p,
        "京津冀基础研究合作专项（脑科学与类脑智能）",
        [
            ("B1", "类脑计算芯片", KeyField.BRAIN),
            ("B2", "脑机接口", KeyField.BRAIN),
            ("B3", "智能网联汽车决策", KeyField.NEV_ICV),
        ],
    )
    if new:
        _publish(p, prog)
        for i, state in enumerate(
            [
                ApplicationState.DRAFT,
                ApplicationState.SUBMITTED,
                ApplicationState.RETURNED,
                ApplicationState.UNDER_REVIEW,
                ApplicationState.WITHDRAWN,
            ]
        ):
            _walk(p, prog, i, f"联合申请·{ApplicationState(state).label}·{i + 1}", state)
    out(f"programme open: {prog}")

    prog, new = _programme(
        p,
        "京津冀生物医药与组分中药联合专项",
        [("M1", "创新药物靶点发现", KeyField.BIOPHARMA), ("M2", "组分中药质量标准", KeyField.TCM_COMPONENTS)],
    )
    if new:
        _publish(p, prog)
        apps = [
            _walk(p, prog, i, f"生物医药联合攻关{i + 1}", state)
            for i, state in enumerate(
                [ApplicationState.DECISION_PENDING, ApplicationState.APPROVED, ApplicationState.REJECTED]
            )
        ]
        _project_life(p, apps[1], conclude=False)
        prog.refresh_from_db()
        services.close_programme(prog, actor=p.tj_officer, reason="申报截止")
    out(f"programme closed: {prog}")

    prog, new = _programme(
        p, "京津冀新能源汽车基础研究专项（2025批）", [("N1", "固态电池界面机理", KeyField.NEV_ICV)]
    )
    if new:
        _publish(p, prog)
        app = _walk(p, prog, 1, "固态电池界面联合研究", ApplicationState.APPROVED)
        _project_life(p, app, conclude=True)
        prog.refresh_from_db()
        services.close_programme(prog, actor=p.tj_officer)
        prog.refresh_from_db()
        services.finish_programme(prog, actor=p.tj_coord)
    out(f"programme finished: {prog}")

    for name, kind, field, lead, members in [
        (
            "京津冀类脑智能创新联合体",
            "consortium",
            KeyField.BRAIN,
            p.bj_applicant,
            [p.tj_applicant, p.hb_applicant],
        ),
        ("京津冀组分中药联合实验室", "joint_lab", KeyField.TCM_COMPONENTS, p.hb_applicant, [p.bj_applicant]),
        (
            "京津冀信创基础软硬件创新联合体",
            "consortium",
            KeyField.SOFTWARE_HARDWARE,
            p.tj_applicant,
            [p.bj_applicant],
        ),
    ]:
        if Consortium.objects.filter(name=name).exists():
            continue
        c = services.create_consortium(
            actor=p.bj_officer,
            kind=kind,
            name=name,
            field=field,
            lead_organization=lead.organization,
            members=[m.organization for m in members],
            description="跨区域协同攻关",
        )
        if kind == "consortium":
            services.activate_consortium(c, actor=p.bj_officer)
    out("cooperation demo data loaded")
