"""Factories for the voucher tests: records made through the services, so the ledger always holds."""

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.models import OrganizationKind, Region, Role
from tests.factories import OrganizationFactory, UserFactory, official
from vouchers import services
from vouchers.models import ProviderState

__all__ = ["make_programme", "make_enterprise", "make_provider", "make_voucher", "documents", "pdf"]


def make_programme(province="130000", *, officer=None, budget="100000", cap="20000", ratio="0.5", **kwargs):
    officer = officer or official(province)
    today = timezone.localdate()
    defaults = {
        "name": f"{province} 创新券 {today.year}",
        "year": today.year,
        "total_budget": Decimal(budget),
        "cap_per_enterprise": Decimal(cap),
        "subsidy_ratio": Decimal(ratio),
        "valid_from": today - datetime.timedelta(days=30),
        "valid_until": today + datetime.timedelta(days=300),
    }
    defaults.update(kwargs)
    programme = services.create_programme(actor=officer, **defaults)
    return programme, officer


def make_enterprise(
    province="130000", *, staff=100, revenue="5000000", rd="5.00", kind=OrganizationKind.ENTERPRISE
):
    org = OrganizationFactory(
        kind=kind,
        region=Region.objects.get(pk=province),
        staff_count=staff,
        annual_revenue=Decimal(revenue) if revenue is not None else None,
        rd_ratio=Decimal(rd) if rd is not None else None,
    )
    return UserFactory(organization=org, roles=[Role.ENTERPRISE_MEMBER])


def make_provider(province="110000", *, approver=None, price="1000", category="testing"):
    org = OrganizationFactory(kind=OrganizationKind.PROVIDER, region=Region.objects.get(pk=province))
    member = UserFactory(organization=org, roles=[Role.PROVIDER_MEMBER])
    provider = services.register_provider(actor=member, description="开放实验室", contact="010-1234")
    services.approve_provider(provider, actor=approver or official(province))
    provider.refresh_from_db()
    assert provider.state == ProviderState.APPROVED
    service = services.add_service(
        actor=member,
        name="扫描电子显微镜测试",
        model_number="SEM-01",
        category=category,
        unit_price=Decimal(price),
        unit="样品",
    )
    return provider, member, service


def make_voucher(programme, officer, enterprise, amount="10000"):
    application = services.apply_for_voucher(actor=enterprise, programme=programme, amount=Decimal(amount))
    services.approve_application(application, actor=officer)
    application.refresh_from_db()
    return application.voucher


def pdf(name="doc.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 test document\n%%EOF\n", content_type="application/pdf")


def documents():
    return {k: pdf(f"{k}.pdf") for k in ("contract", "invoice", "payment_proof", "service_record")}


def bytes_io(data: bytes):
    return io.BytesIO(data)
