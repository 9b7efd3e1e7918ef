"""Factories and scenario helpers for the cooperation app's tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cooperation import services
from cooperation.models import (
    Application,
    KeyField,
    Participant,
    Programme,
    ProgrammeRegion,
    ProgrammeState,
    Topic,
)
from portal.models import OrganizationKind, Region, Role
from tests.factories import OrganizationFactory, UserFactory, member, official

__all__ = [
    "ProgrammeFactory",
    "TopicFactory",
    "ApplicationFactory",
    "ParticipantFactory",
    "Cast",
    "open_programme",
    "expert",
]


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    year = 2026
    title = factory.Sequence(lambda n: f"京津冀基础研究合作专项{n}")
    guide = "指南"
    lead_region = factory.LazyFunction(lambda: Region.objects.get(pk="120000"))
    organizer = factory.LazyAttribute(
        lambda o: OrganizationFactory(
            kind=OrganizationKind.AGENCY, agency_domain="science", region=o.lead_region
        )
    )
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    funding_cap = Decimal("3000000.00")
    state = ProgrammeState.OPEN
    created_by = factory.LazyAttribute(lambda o: UserFactory(organization=o.organizer))

    @factory.post_generation
    def shares(self, create, extracted, **kwargs):
        for code in extracted or ("110000", "120000", "130000"):
            ProgrammeRegion.objects.get_or_create(
                programme=self, region_id=code, defaults={"budget": Decimal("10000000.00")}
            )


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"T{n:03d}")
    title = factory.Sequence(lambda n: f"脑科学方向{n}")
    field = KeyField.BRAIN


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    topic = factory.SubFactory(TopicFactory)
    programme = factory.LazyAttribute(lambda o: o.topic.programme)
    title = factory.Sequence(lambda n: f"联合研究申请{n}")
    lead_organization = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.UNIVERSITY)
    research_plan = "研究计划"
    created_by = factory.LazyAttribute(lambda o: UserFactory(organization=o.lead_organization))


class ParticipantFactory(DjangoModelFactory):
    class Meta:
        model = Participant

    application = factory.SubFactory(ApplicationFactory)
    organization = factory.SubFactory(OrganizationFactory)
    province = factory.LazyAttribute(lambda o: o.organization.province)
    principal_investigator = "张三"
    budget = Decimal("500000.00")


def expert(province: str = "110000"):
    return member(province, kind=OrganizationKind.INSTITUTE, role=Role.EXPERT_REVIEWER)


class Cast:
    """Everyone of one scenario: officials and coordinators of the three regions, a team across
    Beijing and Tianjin, and two experts."""

    def __init__(self):
        self.tj_officer = official("120000")
        self.tj_coord = official("120000", coordinator=True, organization=self.tj_officer.organization)
        self.bj_officer = official("110000")
        self.bj_coord = official("110000", coordinator=True, organization=self.bj_officer.organization)
        self.hb_coord = official("130000", coordinator=True)
        self.applicant = member("110000", kind=OrganizationKind.UNIVERSITY)
        self.partner = member("120000", kind=OrganizationKind.ENTERPRISE)
        self.outsider = member("130000")
        self.expert1 = expert("130000")
        self.expert2 = expert("110000")
        self.team_expert = UserFactory(organization=self.partner.organization, roles=[Role.EXPERT_REVIEWER])


def open_programme(cast: Cast, **kwargs) -> tuple[Programme, Topic]:
    """A Tianjin-led programme with all three regions, open now."""
    programme = ProgrammeFactory(
        lead_region=Region.objects.get(pk="120000"),
        organizer=cast.tj_officer.organization,
        created_by=cast.tj_officer,
        **kwargs,
    )
    topic = TopicFactory(programme=programme)
    return programme, topic


def team(cast: Cast, *, budget_bj: str = "800000", budget_tj: str = "700000") -> list[dict]:
    return [
        {
            "organization": cast.applicant.organization_id,
            "principal_investigator": "李四",
            "budget": budget_bj,
        },
        {"organization": cast.partner.organization_id, "principal_investigator": "王五", "budget": budget_tj},
    ]


def draft(cast: Cast, programme: Programme, topic: Topic, participants=None) -> Application:
    return services.save_application(
        actor=cast.applicant,
        programme=programme,
        topic=topic,
        title="类脑芯片联合攻关",
        research_plan="三年计划",
        participants=participants if participants is not None else team(cast),
    )
