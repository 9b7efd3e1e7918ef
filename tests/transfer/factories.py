"""Factories for technology-transfer records."""

import datetime
import itertools

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from portal.models import Region
from tests.factories import OrganizationFactory
from transfer.models import (
    Base,
    BaseKind,
    Deal,
    Listing,
    ListingKind,
    ListingState,
    ResultType,
    TechField,
    TransferMode,
)
from transfer.services import refresh_search

__all__ = ["ListingFactory", "BaseFactory", "DealFactory", "published"]

_reg = itertools.count(1)


class BaseFactory(DjangoModelFactory):
    class Meta:
        model = Base

    kind = BaseKind.POC_CENTRE
    name = factory.Sequence(lambda n: f"概念验证中心{n}")
    region = factory.LazyFunction(lambda: Region.objects.get(pk="120000"))
    fields = factory.LazyFunction(lambda: [TechField.NEW_MATERIALS])


class ListingFactory(DjangoModelFactory):
    class Meta:
        model = Listing
        skip_postgeneration_save = True

    kind = ListingKind.SUPPLY
    result_type = factory.LazyAttribute(lambda o: ResultType.PATENT if o.kind == ListingKind.SUPPLY else "")
    title = factory.Sequence(lambda n: f"测试成果{n}")
    summary = "一项测试用的技术成果摘要"
    description = "这是用于测试的技术成果详细说明，包含工艺流程与应用场景。"
    field = TechField.NEW_MATERIALS
    trl = 5
    transfer_mode = TransferMode.LICENSE
    price = factory.LazyFunction(lambda: __import__("decimal").Decimal("100000.00"))
    owner = factory.SubFactory(OrganizationFactory)
    region = factory.LazyAttribute(lambda o: o.owner.region)
    contact_name = "张工"
    contact_phone = "13800138000"
    contact_email = "zhang@example.invalid"
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=90))
    state = ListingState.PUBLISHED

    @factory.post_generation
    def index(self, create, extracted, **kwargs):
        if create:
            refresh_search(self)


def published(**kwargs) -> Listing:
    return ListingFactory(state=ListingState.PUBLISHED, **kwargs)


class DealFactory(DjangoModelFactory):
    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"技术合同{n}")
    field = TechField.NEW_MATERIALS
    contract_amount = factory.LazyFunction(lambda: __import__("decimal").Decimal("500000.00"))
    registration_number = factory.LazyFunction(lambda: f"2026120104{next(_reg):06d}")
    seller = factory.SubFactory(OrganizationFactory)
    seller_region = factory.LazyAttribute(lambda o: o.seller.region)
    buyer_name = "采购单位"
    buyer_region = factory.LazyFunction(lambda: Region.objects.get(pk="130000"))
    signed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
