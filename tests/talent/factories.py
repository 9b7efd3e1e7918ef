"""Factories and helpers for the talent tests."""

from __future__ import annotations

import datetime
import itertools
import random

from portal.models import AgencyDomain, OrganizationKind, Region
from portal.validators import id_number_check_character
from talent import services
from talent.models import RegistryEntry, TitleSeries, id_number_digest
from tests.factories import OrganizationFactory, member, official

__all__ = [
    "make_id_number",
    "hr_agency",
    "hr_official",
    "Agencies",
    "registry_entry",
    "request_data",
    "pdf",
    "file_request",
]

_seq = itertools.count(1)


def make_id_number(seed: int | None = None, region: str = "110105") -> str:
    """A valid 居民身份证号码 (GB 11643-1999) with a real birth date."""
    rnd = random.Random(seed if seed is not None else next(_seq) * 7907)
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rnd.randrange(0, 40 * 365))
    body = f"{region}{birth:%Y%m%d}{rnd.randrange(0, 1000):03d}"
    return body + id_number_check_character(body)


def hr_agency(province: str):
    return OrganizationFactory(
        kind=OrganizationKind.AGENCY,
        agency_domain=AgencyDomain.HUMAN_RESOURCES,
        region=Region.objects.get(pk=province),
        name=f"{Region.objects.get(pk=province).name}人力资源和社会保障局",
    )


def hr_official(province: str, *, coordinator: bool = False, organization=None):
    return official(
        province, coordinator=coordinator, domain=AgencyDomain.HUMAN_RESOURCES, organization=organization
    )


class Agencies:
    """One HR agency per province with an officer each, a coordinator each, and an employer in Tianjin."""

    def __init__(self):
        self.org = {p: hr_agency(p) for p in services.PROVINCES}
        self.officer = {p: hr_official(p, organization=self.org[p]) for p in services.PROVINCES}
        self.coordinator = {p: official(p, coordinator=True) for p in services.PROVINCES}
        self.employer = member("120000")


def registry_entry(*, region="110000", certificate_number, holder_name, id_number, revoked=False, **kw):
    from portal.validators import mask_id_number

    defaults = {
        "kind": "title",
        "series": TitleSeries.objects.get(code="engineering"),
        "level": "senior_deputy",
        "name": "高级工程师",
        "issuing_authority": "北京市人力资源和社会保障局",
        "issued_on": datetime.date(2020, 12, 1),
    }
    defaults.update(kw)
    return RegistryEntry.objects.create(
        region_id=region,
        certificate_number=certificate_number,
        holder_name=holder_name,
        id_number_hash=id_number_digest(id_number),
        id_number_masked=mask_id_number(id_number),
        revoked=revoked,
        **defaults,
    )


def request_data(**overrides) -> dict:
    data = {
        "person_name": "王建国",
        "id_number": make_id_number(),
        "contact": "13800000000",
        "kind": "title",
        "series": "engineering",
        "level": "senior_deputy",
        "name": "高级工程师",
        "specialty": "电气工程",
        "issuing_region": "110000",
        "issuing_authority": "北京市人力资源和社会保障局",
        "certificate_number": f"BJ-GC-{next(_seq):06d}",
        "issued_on": datetime.date(2021, 6, 30),
        "host_region": "120000",
    }
    data.update(overrides)
    return data


def pdf(name: str = "certificate.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4\n% test certificate\n", content_type="application/pdf")


def file_request(actor, *, evidence=True, **overrides):
    return services.request_file(
        actor=actor, evidence=[pdf()] if evidence else [], **request_data(**overrides)
    )
