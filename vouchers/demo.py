"""Demo data for the voucher scheme: a programme in each of the three regions, an approved provider
with its catalogue in each, vouchers issued to one enterprise per region, and vouchers used across
regions at every stage (paid, awaiting review, filed). Safe to run any number of times: every record
is found by its natural key before anything is created, and all money moves through the services so
the ledger reconciles."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.management.commands._demo_ids import demo_uscc
from portal.models import AgencyDomain, Membership, Organization, OrganizationKind, Region, Role, User

from . import services
from .models import CLAIM_DOCUMENTS, Claim, ClaimState, Programme, Provider, ProviderState, Service, Voucher

__all__ = ["load"]

DEMO_PASSWORD = "Demo-Portal-2026!"

REGIONS = {
    # prefix, agency, enterprise (region, name, staff, revenue, R&D %), provider (region, name)
    "110000": (
        "bj",
        "北京市科学技术委员会",
        ("110000", "北京星云智联科技有限公司", 180, "56000000", "12.5"),
        ("110000", "北京中关村精密检测中心"),
    ),
    "120000": (
        "tj",
        "天津市科学技术局",
        ("120000", "天津海河新能源汽车科技有限公司", 420, "310000000", "6.2"),
        ("120000", "天津滨海大型仪器共享中心"),
    ),
    "130000": (
        "hb",
        "河北省科学技术厅",
        ("130629", "雄安数字基础软件有限公司", 120, "42000000", "15"),
        ("130600", "保定检验检测认证中心"),
    ),
}

CATALOGUE = {
    "110000": [
        ("场发射扫描电子显微镜测试", "SU8220", "testing", "600", "样品"),
        ("芯片可靠性联合研发", "", "rd", "50000", "项"),
    ],
    "120000": [
        ("液相色谱-质谱联用分析", "LC-MS 6545", "testing", "800", "样品"),
        ("生物药工艺设计", "", "design", "30000", "项"),
    ],
    "130000": [
        ("电磁兼容检测", "EMC-3m", "inspection", "1200", "项次"),
        ("核磁共振波谱仪机时", "AVANCE NEO 600", "instrument", "900", "小时"),
    ],
}

PROGRAMMES = {
    "110000": {
        "name": "北京市首都科技创新券",
        "total_budget": "5000000",
        "cap_per_enterprise": "300000",
        "subsidy_ratio": "0.5",
    },
    "120000": {
        "name": "天津市科技创新券",
        "total_budget": "3000000",
        "cap_per_enterprise": "200000",
        "subsidy_ratio": "0.6",
    },
    "130000": {
        "name": "河北省科技创新券",
        "total_budget": "2000000",
        "cap_per_enterprise": "100000",
        "subsidy_ratio": "0.5",
        "max_staff": 1000,
        "max_revenue": Decimal("400000000"),
        "min_rd_ratio": Decimal("2"),
    },
}

# issuing region → provider region, quantity, how far the claim goes
USES = [
    ("110000", "120000", 3, "paid"),
    ("120000", "130000", 2, "confirmed"),
    ("130000", "110000", 4, "filed"),
]


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(f"  vouchers: {text}")


def _org(name: str, region: str, kind: str, **extra) -> Organization:
    authority, org_type = ("1", "1") if kind == OrganizationKind.AGENCY else ("9", "1")
    org, _created = Organization.objects.get_or_create(
        uscc=demo_uscc(f"demo:{name}", region, authority=authority, org_type=org_type),
        defaults={
            "kind": kind,
            "name": name,
            "region": Region.objects.get(pk=region),
            "verified": True,
            **extra,
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
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, role=role)
    return User.objects.get(pk=user.pk)  # fresh cached role set


def _documents() -> dict[str, SimpleUploadedFile]:
    return {
        key: SimpleUploadedFile(
            f"{key}.pdf", b"%PDF-1.4\n% demo " + key.encode() + b"\n%%EOF\n", "application/pdf"
        )
        for key in CLAIM_DOCUMENTS
    }


def load(stdout=None) -> None:
    today = timezone.localdate()
    people: dict[str, dict] = {}
    for province, (prefix, agency_name, ent, prov) in REGIONS.items():
        agency = _org(agency_name, province, OrganizationKind.AGENCY, agency_domain=AgencyDomain.SCIENCE)
        officer = _user(f"{prefix}_science", Role.AGENCY_OFFICER, agency, f"{agency_name}经办人")
        ent_region, ent_name, staff, revenue, rd = ent
        enterprise_org = _org(
            ent_name,
            ent_region,
            OrganizationKind.ENTERPRISE,
            staff_count=staff,
            annual_revenue=Decimal(revenue),
            rd_ratio=Decimal(rd),
        )
        enterprise = _user(
            f"{prefix}_enterprise", Role.ENTERPRISE_MEMBER, enterprise_org, f"{ent_name}联系人"
        )
        enterprise_org = (
            enterprise.organization
        )  # the account may already belong to the core's demo enterprise
        provider_org = _org(prov[1], prov[0], OrganizationKind.PROVIDER)
        provider_user = _user(f"{prefix}_provider", Role.PROVIDER_MEMBER, provider_org, f"{prov[1]}联系人")
        provider_org = provider_user.organization

        spec = dict(PROGRAMMES[province])
        programme = Programme.objects.filter(region_id=province, year=today.year, name=spec["name"]).first()
        if programme is None:
            programme = services.create_programme(
                actor=officer,
                year=today.year,
                valid_from=today.replace(month=1, day=1),
                valid_until=today.replace(month=12, day=31) + datetime.timedelta(days=365),
                **{k: (Decimal(v) if isinstance(v, str) and k != "name" else v) for k, v in spec.items()},
            )
            _say(stdout, f"programme {programme}")

        provider = Provider.objects.filter(organization=provider_org).first()
        if provider is None:
            provider = services.register_provider(
                actor=provider_user, description=f"{prov[1]}：京津冀互认开放单位", contact="400-000-0000"
            )
        if provider.state == ProviderState.PENDING:
            services.approve_provider(provider, actor=officer)
            provider.refresh_from_db()
        for name, model, category, price, unit in CATALOGUE[province]:
            if not Service.objects.filter(provider=provider, name=name, model_number=model).exists():
                services.add_service(
                    actor=provider_user,
                    name=name,
                    model_number=model,
                    category=category,
                    unit_price=Decimal(price),
                    unit=unit,
                )

        voucher = Voucher.objects.filter(programme=programme, holder=enterprise_org).first()
        if voucher is None:
            application = services.apply_for_voucher(
                actor=enterprise, programme=programme, amount=Decimal("50000"), purpose="委托检测与联合研发"
            )
            services.approve_application(application, actor=officer, reason="符合条件")
            voucher = Voucher.objects.get(application=application)
            _say(stdout, f"voucher {voucher.code} for {enterprise_org}")
        people[province] = {
            "officer": officer,
            "enterprise": enterprise,
            "provider": provider,
            "provider_user": provider_user,
            "voucher": voucher,
        }

    for issuing, serving, quantity, stage in USES:
        voucher = people[issuing]["voucher"]
        provider = people[serving]["provider"]
        if Claim.objects.filter(voucher=voucher, provider=provider).exists():
            continue
        service = provider.services.order_by("pk").first()
        claim = services.book_service(
            actor=people[issuing]["enterprise"], voucher=voucher, service=service, quantity=Decimal(quantity)
        )
        services.file_claim(claim, actor=people[serving]["provider_user"], documents=_documents())
        if stage in ("confirmed", "paid"):
            services.confirm_claim(
                claim, actor=people[issuing]["enterprise"], rating=5, comment="服务及时，报告规范"
            )
        if stage == "paid":
            officer = people[issuing]["officer"]
            services.approve_claim(claim, actor=officer)
            batch = services.create_batch(actor=officer, provider=provider)
            services.pay_batch(batch, actor=officer, reference=f"DEMO-{batch.pk:05d}")
        claim.refresh_from_db()
        _say(stdout, f"{voucher.code} used at {provider} ({ClaimState(claim.state).label})")
