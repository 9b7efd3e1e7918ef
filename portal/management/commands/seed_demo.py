"""Demo data for the shared core, then each app's own ``<app>.demo.load``. Safe to run any number of times."""

from __future__ import annotations

import importlib
import importlib.util

from django.core.management.base import BaseCommand
from django.db import transaction

from portal.models import AgencyDomain, Membership, Organization, OrganizationKind, Region, Role, User

from ...otp import OTP_ROLES
from ._demo_ids import demo_uscc

__all__ = ["Command", "DEMO_PASSWORD", "DEMO_APPS", "DEMO_OTP_KEY_HEX", "demo_otp_secret"]

DEMO_PASSWORD = "Demo-Portal-2026!"
# The demo accounts that need a second factor (portal.otp.OTP_ROLES) share one documented TOTP key:
# add it to any authenticator app (TOTP, SHA-1, 6 digits, 30 s), or print the current code with
# ``python manage.py demo_otp_code``. Demo data only: real accounts set up their own key at first sign-in.
DEMO_OTP_KEY_HEX = b"jjj-demo-totp-key-26".hex()
DEMO_APPS = ("cooperation", "transfer", "talent", "vouchers", "ip_enforcement")

# prefix, province code, short name, agency names by domain
PROVINCES = [
    (
        "bj",
        "110000",
        "北京",
        {
            AgencyDomain.SCIENCE: "北京市科学技术委员会",
            AgencyDomain.HUMAN_RESOURCES: "北京市人力资源和社会保障局",
            AgencyDomain.INTELLECTUAL_PROPERTY: "北京市知识产权局",
            AgencyDomain.MARKET_REGULATION: "北京市市场监督管理局",
        },
    ),
    (
        "tj",
        "120000",
        "天津",
        {
            AgencyDomain.SCIENCE: "天津市科学技术局",
            AgencyDomain.HUMAN_RESOURCES: "天津市人力资源和社会保障局",
            AgencyDomain.INTELLECTUAL_PROPERTY: "天津市知识产权局",
            AgencyDomain.MARKET_REGULATION: "天津市市场监督管理局",
        },
    ),
    (
        "hb",
        "130000",
        "河北",
        {
            AgencyDomain.SCIENCE: "河北省科学技术厅",
            AgencyDomain.HUMAN_RESOURCES: "河北省人力资源和社会保障厅",
            AgencyDomain.INTELLECTUAL_PROPERTY: "河北省知识产权局",
            AgencyDomain.MARKET_REGULATION: "河北省市场监督管理局",
        },
    ),
]

# Fictional organizations: (province, region, kind, name, staff, revenue, R&D share)
ORGANIZATIONS = [
    (
        "110000",
        "110000",
        OrganizationKind.ENTERPRISE,
        "北京星云智联科技有限公司",
        180,
        "56000000.00",
        "12.50",
    ),
    (
        "110000",
        "110000",
        OrganizationKind.ENTERPRISE,
        "北京燕园脑科学仪器有限公司",
        65,
        "18000000.00",
        "21.00",
    ),
    ("110000", "110000", OrganizationKind.UNIVERSITY, "京华理工大学", None, None, None),
    ("110000", "110000", OrganizationKind.INSTITUTE, "北京基础软硬件创新研究院", None, None, None),
    ("110000", "110000", OrganizationKind.PROVIDER, "北京中关村精密检测中心", 90, None, None),
    (
        "120000",
        "120000",
        OrganizationKind.ENTERPRISE,
        "天津海河新能源汽车科技有限公司",
        420,
        "310000000.00",
        "6.20",
    ),
    (
        "120000",
        "120000",
        OrganizationKind.ENTERPRISE,
        "天津滨海生物制药有限公司",
        260,
        "150000000.00",
        "9.80",
    ),
    ("120000", "120000", OrganizationKind.UNIVERSITY, "津沽大学", None, None, None),
    ("120000", "120000", OrganizationKind.INSTITUTE, "天津先进通讯研究院", None, None, None),
    ("120000", "120000", OrganizationKind.PROVIDER, "天津滨海大型仪器共享中心", 70, None, None),
    (
        "130000",
        "130629",
        OrganizationKind.ENTERPRISE,
        "雄安数字基础软件有限公司",
        120,
        "42000000.00",
        "15.00",
    ),
    (
        "130000",
        "130100",
        OrganizationKind.ENTERPRISE,
        "石家庄组分中药科技有限公司",
        300,
        "98000000.00",
        "4.50",
    ),
    ("130000", "130600", OrganizationKind.UNIVERSITY, "燕赵大学", None, None, None),
    ("130000", "130100", OrganizationKind.INSTITUTE, "河北新材料示范研究院", None, None, None),
    ("130000", "130600", OrganizationKind.PROVIDER, "保定检验检测认证中心", 110, None, None),
]

AUTHORITY = {  # registration authority and organization type (GB 32100-2015, positions 1-2)
    OrganizationKind.AGENCY: ("1", "1"),
    OrganizationKind.UNIVERSITY: ("1", "2"),
    OrganizationKind.INSTITUTE: ("1", "2"),
    OrganizationKind.ENTERPRISE: ("9", "1"),
    OrganizationKind.PROVIDER: ("9", "1"),
}

DOMAIN_USERS = {
    AgencyDomain.SCIENCE: "science",
    AgencyDomain.HUMAN_RESOURCES: "hr",
    AgencyDomain.INTELLECTUAL_PROPERTY: "ip",
    AgencyDomain.MARKET_REGULATION: "market",
}


def demo_otp_secret() -> str:
    """The demo TOTP key in base32, as authenticator apps take it."""
    import base64

    return base64.b32encode(bytes.fromhex(DEMO_OTP_KEY_HEX)).decode()


class Command(BaseCommand):
    help = (
        "Load demo organizations, one account per role per region, and each app's demo records (idempotent)."
    )

    def handle(self, *args, **options):
        self.accounts: list[tuple[str, str, str]] = []
        self.created = 0
        with transaction.atomic():
            self.seed_core()
        for app in DEMO_APPS:
            if importlib.util.find_spec(app) is None or importlib.util.find_spec(f"{app}.demo") is None:
                continue
            module = importlib.import_module(f"{app}.demo")
            if hasattr(module, "load"):
                self.stdout.write(f"{app}: loading demo records")
                module.load(stdout=self.stdout)
        self.stdout.write(f"Demo data ready ({self.created} core rows created in this run).")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        width = max(len(u) for u, _, _ in self.accounts)
        for username, role, org in self.accounts:
            self.stdout.write(f"  {username:<{width}}  {role}{' · ' + org if org else ''}")
        self.stdout.write(
            "Two-factor sign-in (admin, security, auditor, *_coordinator): TOTP key "
            f"{demo_otp_secret()} in any authenticator app, or `python manage.py demo_otp_code`."
        )

    # ------------------------------------------------------------------ core

    def org(self, *, kind, name, province, region=None, domain="", **extra) -> Organization:
        authority, org_type = AUTHORITY[kind]
        region = region or province
        obj, created = Organization.objects.get_or_create(
            uscc=demo_uscc(f"demo:{name}", region, authority=authority, org_type=org_type),
            defaults={
                "kind": kind,
                "name": name,
                "region": Region.objects.get(pk=region),
                "agency_domain": domain,
                "verified": True,
                **extra,
            },
        )
        self.created += created
        return obj

    def user(
        self,
        username: str,
        role: str,
        *,
        organization: Organization | None = None,
        display_name: str = "",
        is_staff: bool = False,
        scope: str | None = None,
    ) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "organization": organization,
                "display_name": display_name,
                "email": f"{username}@demo.portal.invalid",
                "is_staff": is_staff,
            },
        )
        if is_staff and not user.is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=True)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password", "password_changed_at"])
            self.created += 1
        _, created = Membership.objects.get_or_create(user=user, role=role, defaults={"region_id": scope})
        self.created += created
        if role in OTP_ROLES:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            _, created = TOTPDevice.objects.get_or_create(
                user=user, name="demo", defaults={"key": DEMO_OTP_KEY_HEX, "confirmed": True}
            )
            self.created += created
        self.accounts.append((username, str(Role(role).label), organization.name if organization else ""))
        return user

    def seed_core(self) -> None:
        orgs: dict[tuple[str, str], Organization] = {}
        for province, region, kind, name, staff, revenue, rd in ORGANIZATIONS:
            extra = {}
            if staff is not None:
                extra["staff_count"] = staff
            if revenue is not None:
                extra["annual_revenue"] = revenue
            if rd is not None:
                extra["rd_ratio"] = rd
            org = self.org(kind=kind, name=name, province=province, region=region, **extra)
            orgs.setdefault((province, kind), org)

        self.user("admin", Role.PLATFORM_ADMIN, display_name="平台系统管理员", is_staff=True)
        self.user("security", Role.SECURITY_ADMIN, display_name="平台安全管理员", is_staff=True)
        self.user("auditor", Role.AUDITOR, display_name="平台安全审计员", is_staff=True)

        for prefix, province, short, agencies in PROVINCES:
            agency_orgs = {
                domain: self.org(
                    kind=OrganizationKind.AGENCY, name=name, province=province, domain=str(domain)
                )
                for domain, name in agencies.items()
            }
            science = agency_orgs[AgencyDomain.SCIENCE]
            self.user(
                f"{prefix}_coordinator",
                Role.REGION_COORDINATOR,
                organization=science,
                display_name=f"{short}协同办协调员",
                scope=province,
            )
            for domain, org in agency_orgs.items():
                self.user(
                    f"{prefix}_{DOMAIN_USERS[domain]}",
                    Role.AGENCY_OFFICER,
                    organization=org,
                    display_name=f"{org.name}经办人",
                    scope=province,
                )
            self.user(
                f"{prefix}_enterprise",
                Role.ENTERPRISE_MEMBER,
                organization=orgs[(province, OrganizationKind.ENTERPRISE)],
                display_name=f"{short}企业联系人",
            )
            self.user(
                f"{prefix}_provider",
                Role.PROVIDER_MEMBER,
                organization=orgs[(province, OrganizationKind.PROVIDER)],
                display_name=f"{short}服务机构联系人",
            )
            self.user(
                f"{prefix}_expert",
                Role.EXPERT_REVIEWER,
                organization=orgs[(province, OrganizationKind.UNIVERSITY)],
                display_name=f"{short}评审专家",
            )
