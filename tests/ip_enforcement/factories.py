"""Factories for the ip_enforcement tests. Cases and flows are made through the services, so every
row has the involvement, history and deadlines the real path gives it."""

from __future__ import annotations

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from ip_enforcement import services
from ip_enforcement.models import AssistanceKind, Case, InfringementType, IPType
from portal.models import AgencyDomain, OrganizationKind, Region, Role
from tests.factories import OrganizationFactory, UserFactory, member, official

__all__ = [
    "ip_officer",
    "ip_agency",
    "right_holder",
    "make_case",
    "make_referral",
    "make_request",
    "text_upload",
]

_seq = itertools.count(1)


def ip_agency(province: str = "110000", domain: str = AgencyDomain.INTELLECTUAL_PROPERTY):
    region = Region.objects.get(pk=province)
    return OrganizationFactory(
        kind=OrganizationKind.AGENCY,
        agency_domain=domain,
        region=region,
        name=f"{region.name}知识产权局{next(_seq)}",
    )


def ip_officer(province: str = "110000", *, coordinator: bool = False, organization=None, **kwargs):
    """An officer (or coordinator) of an IP agency of ``province``."""
    if organization is not None:
        role = Role.REGION_COORDINATOR if coordinator else Role.AGENCY_OFFICER
        return UserFactory(organization=organization, roles=[role], **kwargs)
    return official(province, coordinator=coordinator, domain=AgencyDomain.INTELLECTUAL_PROPERTY, **kwargs)


def right_holder(province: str = "110000"):
    return member(province)


def case_data(**overrides) -> dict:
    data = {
        "ip_type": IPType.PATENT,
        "infringement_type": InfringementType.INFRINGEMENT,
        "title": f"发明专利侵权线索{next(_seq)}",
        "summary": "涉嫌制造、销售侵犯发明专利权的产品。",
        "place": "天津市滨海新区",
        "place_region": "120000",
        "right_holder_name": "北京某科技有限公司",
        "infringer_name": "天津某制造有限公司",
    }
    data.update(overrides)
    return data


def make_case(officer, **overrides) -> Case:
    return services.create_case(actor=officer, **case_data(**overrides))


def make_referral(officer, to_agency, case=None, **kwargs):
    case = case or make_case(officer)
    return services.refer_case(
        actor=officer, case=case, to_agency=to_agency, reason="侵权行为地在贵局辖区。", **kwargs
    )


def make_request(officer, to_agency, case=None, kind=AssistanceKind.INVESTIGATION):
    case = case or make_case(officer)
    return services.request_assistance(
        actor=officer, case=case, to_agency=to_agency, kind=kind, actions="请协助调取涉案企业的销售记录。"
    )


def text_upload(name: str = "evidence.txt", content: bytes = "购买公证书：涉案产品一件。".encode()):
    return SimpleUploadedFile(name, content, content_type="text/plain")
