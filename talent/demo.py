"""Demo data for talent recognition: each region's registry, recognition requests between every pair
of the three regions in every state of the process, certificates (one revoked) and two-way
appointments. Idempotent: registry rows are keyed on (region, certificate number), requests on
their credential, appointments on (person, appointing organization, role)."""

from __future__ import annotations

import datetime
import hashlib
import random

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import AgencyDomain, Membership, Organization, OrganizationKind, Region, Role, User
from portal.validators import USCC_CHARSET, id_number_check_character, mask_id_number, uscc_check_character

from . import services
from .models import Appointment, Credential, RecognitionRequest, RegistryEntry, TitleSeries, id_number_digest

__all__ = ["load"]

REGIONS = [
    ("bj", "110000", "北京市人力资源和社会保障局", "北京星云智联科技有限公司"),
    ("tj", "120000", "天津市人力资源和社会保障局", "天津海河新能源汽车科技有限公司"),
    ("hb", "130000", "河北省人力资源和社会保障厅", "雄安数字基础软件有限公司"),
]
PAIRS = [(a, b) for a in range(3) for b in range(3) if a != b]
# the state each demo request is taken to, in turn
TARGETS = [
    "submitted",
    "verification_requested",
    "acknowledged",
    "verified",
    "verified_by_registry",
    "not_verified",
    "recognized",
    "refused",
    "revoked",
    "recognized",
    "withdrawn",
    "verified",
]
PEOPLE = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴婷", "徐明", "孙丽"]
CREDENTIALS = [
    ("title", "engineering", "senior_deputy", "高级工程师", "电气工程"),
    ("title", "health", "intermediate", "主治医师", "内科"),
    ("title", "higher_education", "senior_full", "教授", "计算机科学"),
    ("qualification", None, "", "电工（二级/技师）", ""),
    ("title", "accounting", "intermediate", "中级会计师", ""),
    ("title", "research", "senior_deputy", "副研究员", "材料科学"),
]


def _rnd(key: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def _id_number(key: str) -> str:
    rnd = _rnd(key)
    birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=rnd.randrange(0, 30 * 365))
    body = f"{rnd.choice(['110105', '120101', '130102', '130602'])}{birth:%Y%m%d}{rnd.randrange(1000):03d}"
    return body + id_number_check_character(body)


def _uscc(key: str, region: str, authority: str, org_type: str) -> str:
    rnd = _rnd(key)
    body = authority + org_type + region[:6] + "".join(rnd.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_character(body)


def _password() -> str:
    try:
        from portal.management.commands.seed_demo import DEMO_PASSWORD

        return DEMO_PASSWORD
    except ImportError:  # pragma: no cover
        return "Demo-Portal-2026!"


def _org(province: str, name: str, kind: str, domain: str = "") -> Organization:
    if kind == OrganizationKind.AGENCY:
        found = services.hr_agency_for(province)
        if found is not None:
            return found
    else:
        found = Organization.objects.filter(name=name, province_id=province).order_by("pk").first()
        if found is not None:
            return found
    authority, org_type = ("1", "1") if kind == OrganizationKind.AGENCY else ("9", "1")
    org, _ = Organization.objects.get_or_create(
        uscc=_uscc(f"demo:{name}", province, authority, org_type),
        defaults={
            "kind": kind,
            "name": name,
            "region": Region.objects.get(pk=province),
            "agency_domain": domain,
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


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "证书扫描件.pdf", b"%PDF-1.4\n% demo certificate scan\n", content_type="application/pdf"
    )


def _write(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


def load(stdout=None) -> None:
    agencies, officers, applicants, employers = {}, {}, {}, {}
    for prefix, province, agency_name, employer_name in REGIONS:
        agencies[province] = _org(
            province, agency_name, OrganizationKind.AGENCY, AgencyDomain.HUMAN_RESOURCES
        )
        officers[province] = _user(
            f"{prefix}_hr", Role.AGENCY_OFFICER, agencies[province], f"{agency_name}经办人"
        )
        employers[province] = _org(province, employer_name, OrganizationKind.ENTERPRISE)
        applicants[province] = _user(
            f"{prefix}_enterprise", Role.ENTERPRISE_MEMBER, employers[province], f"{employer_name}人事专员"
        )

    # each region's registry: the credentials it issued
    registry_rows = 0
    for n, (_prefix, province, agency_name, _e) in enumerate(REGIONS):
        for i in range(5):
            kind, series, level, title, specialty = CREDENTIALS[(n + i) % len(CREDENTIALS)]
            key = f"registry:{province}:{i}"
            number = _id_number(key)
            _obj, created = RegistryEntry.objects.update_or_create(
                region_id=province,
                certificate_number=f"{province[:2]}-REG-{i + 1:04d}",
                defaults={
                    "holder_name": PEOPLE[(n * 5 + i) % len(PEOPLE)],
                    "id_number_hash": id_number_digest(number),
                    "id_number_masked": mask_id_number(number),
                    "kind": kind,
                    "series": TitleSeries.objects.filter(code=series).first() if series else None,
                    "level": level,
                    "name": title,
                    "specialty": specialty,
                    "issuing_authority": agency_name,
                    "issued_on": datetime.date(2016 + i, 6, 30),
                    "revoked": i == 4,
                },
            )
            registry_rows += created
    _write(stdout, f"  registry: {registry_rows} entries created")

    created_requests = 0
    for k, target in enumerate(TARGETS):
        issuer_i, host_i = PAIRS[k % len(PAIRS)]
        _p, issuing, issuing_agency_name, _e = REGIONS[issuer_i]
        host = REGIONS[host_i][1]
        kind, series, level, title, specialty = CREDENTIALS[k % len(CREDENTIALS)]
        if target == "verified_by_registry":
            entry = RegistryEntry.objects.get(region_id=issuing, certificate_number=f"{issuing[:2]}-REG-0001")
            certificate_number, name = entry.certificate_number, entry.holder_name
            number = _id_number(f"registry:{issuing}:0")
            kind, series, level, title = (
                entry.kind,
                entry.series.code if entry.series else None,
                entry.level,
                entry.name,
            )
        else:
            certificate_number, name = f"{issuing[:2]}-DEMO-{k + 1:04d}", PEOPLE[k % len(PEOPLE)]
            number = _id_number(f"person:{k}")
        credential = Credential.objects.filter(
            issuing_region_id=issuing, certificate_number=certificate_number
        ).first()
        if credential is not None and RecognitionRequest.objects.filter(credential=credential).exists():
            continue
        applicant = applicants[host]
        req = services.request_file(
            actor=applicant,
            person_name=name,
            id_number=number,
            contact="010-5555" + f"{k:04d}",
            kind=kind,
            series=series,
            level=level,
            name=title,
            specialty=specialty,
            issuing_region=issuing,
            issuing_authority=issuing_agency_name,
            certificate_number=certificate_number,
            issued_on=datetime.date(2015 + k % 8, 3, 15),
            host_region=host,
            evidence=[] if target == "verified_by_registry" else [_pdf()],
        )
        created_requests += 1
        host_officer, issuer_officer = officers[host], officers[issuing]
        if target in ("submitted", "verified_by_registry"):
            continue
        if target == "withdrawn":
            services.request_withdraw(req, actor=applicant, reason="已调回原单位")
            continue
        services.request_forward(req, actor=host_officer)
        if target == "verification_requested":
            continue
        services.request_acknowledge(req, actor=issuer_officer)
        if target == "acknowledged":
            continue
        if target == "not_verified":
            services.request_not_verify(req, actor=issuer_officer, reason="本局档案中无此证书编号")
            continue
        services.request_verify(req, actor=issuer_officer, reason="与本局职称评审档案一致")
        if target == "verified":
            continue
        if target == "refused":
            services.request_refuse(req, actor=host_officer, reason="证书专业与申请岗位不符，需补充业绩材料")
            continue
        services.request_recognize(req, actor=host_officer)
        if target == "revoked":
            services.request_revoke(req, actor=host_officer, reason="发证机关通报该证书已被撤销")
    _write(stdout, f"  recognition requests: {created_requests} created")

    appointments = 0
    for n, (_prefix, province, _a, _e) in enumerate(REGIONS):
        host_province = REGIONS[(n + 1) % 3][1]
        person_name = PEOPLE[(n + 6) % len(PEOPLE)]
        number = _id_number(f"appointment:{n}")
        existing = Appointment.objects.filter(
            person__id_number_hash=id_number_digest(number), host_organization=employers[host_province]
        ).exists()
        if existing:
            continue
        services.appointment_create(
            actor=applicants[host_province],
            person_name=person_name,
            id_number=number,
            home_organization=employers[province],
            host_organization=employers[host_province],
            role=["特聘首席工程师", "兼职研究员", "技术顾问"][n],
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2028, 12, 31),
        )
        appointments += 1
    _write(stdout, f"  two-way appointments: {appointments} created")
