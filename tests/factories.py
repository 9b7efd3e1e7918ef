"""factory_boy factories for the shared core. Each app's tests add their own in tests/<app>/factories.py."""

import itertools
import random

import factory
from factory.django import DjangoModelFactory

from portal.models import Membership, Organization, OrganizationKind, Region, Role, User
from portal.validators import USCC_CHARSET, uscc_check_character

__all__ = ["make_uscc", "OrganizationFactory", "UserFactory", "official", "member", "PASSWORD"]

PASSWORD = "Portal-demo-2026!"
_seq = itertools.count(1)


def make_uscc(region_code: str = "110000", seed: int | None = None) -> str:
    """A valid 统一社会信用代码 (registration authority 9 = 工商, type 1 = enterprise)."""
    rnd = random.Random(seed if seed is not None else next(_seq) * 7919)
    body = "91" + region_code[:6] + "".join(rnd.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_character(body)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.ENTERPRISE
    name = factory.Sequence(lambda n: f"测试单位{n}")
    region = factory.LazyFunction(lambda: Region.objects.get(pk="110000"))
    uscc = factory.LazyAttribute(lambda o: make_uscc(o.region.code if o.region.code.isdigit() else "130000"))
    verified = True


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        for role in extracted or ():
            Membership.objects.get_or_create(user=self, role=role)


def official(
    province: str = "110000", *, coordinator: bool = False, domain: str = "science", **kwargs
) -> User:
    """An official of ``province``'s agency (agency officer, or region coordinator)."""
    org = kwargs.pop("organization", None) or OrganizationFactory(
        kind=OrganizationKind.AGENCY,
        agency_domain=domain,
        region=Region.objects.get(pk=province),
        name=f"{Region.objects.get(pk=province).name}{domain}局{next(_seq)}",
    )
    role = Role.REGION_COORDINATOR if coordinator else Role.AGENCY_OFFICER
    return UserFactory(organization=org, roles=[role], **kwargs)


def member(
    province: str = "110000",
    *,
    kind: str = OrganizationKind.ENTERPRISE,
    role: str = Role.ENTERPRISE_MEMBER,
    **kwargs,
) -> User:
    org = kwargs.pop("organization", None) or OrganizationFactory(
        kind=kind, region=Region.objects.get(pk=province)
    )
    return UserFactory(organization=org, roles=[role], **kwargs)
