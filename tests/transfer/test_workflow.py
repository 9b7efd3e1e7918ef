"""Listings through their workflow: submit, review by the owner's region, return with a reason,
publish, expiry (warned once, expired once), and the refusals on the way."""

import datetime

import pytest
from django.utils import timezone

from portal.exceptions import PermissionDenied, TransitionNotAllowed, ValidationError
from portal.models import Deadline, Event, StateChange
from tests.factories import member, official
from transfer import services
from transfer.models import Listing, ListingState

from .factories import ListingFactory

pytestmark = pytest.mark.django_db


def _data(**kw):
    data = {
        "kind": "supply",
        "result_type": "patent",
        "title": "一种高导热石墨烯薄膜的制备方法",
        "summary": "高导热石墨烯薄膜，卷对卷连续制备。",
        "description": "本成果涉及石墨烯薄膜的低温还原工艺，适用于手机散热。",
        "field": "new_materials",
        "trl": 6,
        "ip_refs": ["ZL202310123456.6"],
        "transfer_mode": "license",
        "price": "800000.00",
        "contact_name": "李工",
        "contact_phone": "13900001111",
        "expires_on": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
    }
    data.update(kw)
    return data


def test_owner_submits_region_publishes_owner_is_told():
    owner = member("120000")
    reviewer = official("120000")
    listing = services.listing_create(actor=owner, data=_data(), submit=True)
    assert listing.state == ListingState.SUBMITTED
    review = Deadline.objects.get(object_id=str(listing.pk), kind="transfer_listing_review")
    assert review.responsible_organization == reviewer.organization
    services.listing_publish(listing, actor=reviewer)
    listing.refresh_from_db()
    assert listing.state == ListingState.PUBLISHED and listing.published_at
    event = Event.objects.get(type="transfer.listing.publish")
    assert owner.pk in event.recipient_ids
    review.refresh_from_db()
    assert review.status == Deadline.Status.MET


def test_return_needs_a_reason_and_goes_back_to_draft():
    owner = member("130000")
    reviewer = official("130000")
    listing = services.listing_create(actor=owner, data=_data(), submit=True)
    with pytest.raises(ValidationError) as exc:
        services.listing_return(listing, actor=reviewer, reason="")
    assert "reason" in exc.value.message_dict
    services.listing_return(listing, actor=reviewer, reason="请补充专利证书")
    listing.refresh_from_db()
    assert listing.state == ListingState.DRAFT
    assert StateChange.objects.filter(object_id=str(listing.pk), reason="请补充专利证书").exists()
    assert owner.pk in Event.objects.get(type="transfer.listing.return").recipient_ids
    services.listing_update(listing, actor=owner, data={"summary": "已补充专利证书。"})
    listing.refresh_from_db()
    assert listing.summary == "已补充专利证书。"


def test_officials_of_another_region_cannot_review():
    owner = member("120000")
    listing = services.listing_create(actor=owner, data=_data(), submit=True)
    with pytest.raises(PermissionDenied):
        services.listing_publish(listing, actor=official("110000"))
    listing.refresh_from_db()
    assert listing.state == ListingState.SUBMITTED


def test_publishing_twice_is_a_conflict():
    owner = member("120000")
    reviewer = official("120000")
    listing = services.listing_create(actor=owner, data=_data(), submit=True)
    services.listing_publish(listing, actor=reviewer)
    with pytest.raises(TransitionNotAllowed):
        services.listing_publish(listing, actor=reviewer)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("trl", 10),
        ("ip_refs", ["ZL202310123456.5"]),  # wrong check digit
        ("ip_refs", ["专利123"]),
        ("price", "-1"),
        ("price", "abc"),
        ("expires_on", "2020-01-01"),
        ("field", "astrology"),
        ("title", ""),
        ("result_type", ""),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(field, value):
    owner = member("110000")
    with pytest.raises(ValidationError) as exc:
        services.listing_create(actor=owner, data=_data(**{field: value}))
    assert field in exc.value.message_dict
    assert not Listing.objects.exists()


def test_price_or_negotiable():
    owner = member("110000")
    with pytest.raises(ValidationError) as exc:
        services.listing_create(actor=owner, data=_data(price=None))
    assert "price" in exc.value.message_dict
    listing = services.listing_create(actor=owner, data=_data(price=None, negotiable=True))
    assert listing.negotiable and listing.price is None


def test_valid_patent_and_software_numbers_are_accepted():
    from transfer.validators import validate_ip_reference

    for ref in ["ZL202310123456.6", "CN200410012345.5", "ZL99123456.1", "2023SR0123456"]:
        validate_ip_reference(ref)


def test_officials_may_not_publish_listings_themselves():
    with pytest.raises(PermissionDenied):
        services.listing_create(actor=official("110000"), data=_data())


def test_expiry_warns_once_then_expires_once():
    owner = member("110000")
    today = timezone.localdate()
    soon = ListingFactory(owner=owner.organization, expires_on=today + datetime.timedelta(days=3))
    later = ListingFactory(owner=owner.organization, expires_on=today + datetime.timedelta(days=60))
    draft = ListingFactory(owner=owner.organization, state=ListingState.DRAFT, expires_on=today)

    now = timezone.now()
    assert services.listings_expire(now=now) == {"warned": 1, "expired": 0}
    assert services.listings_expire(now=now) == {"warned": 0, "expired": 0}
    warning = Event.objects.get(type="transfer.listing.expiring")
    assert warning.object_id == str(soon.pk) and owner.pk in warning.recipient_ids

    later_now = now + datetime.timedelta(days=5)
    assert services.listings_expire(now=later_now) == {"warned": 0, "expired": 1}
    assert services.listings_expire(now=later_now) == {"warned": 0, "expired": 0}
    soon.refresh_from_db()
    later.refresh_from_db()
    draft.refresh_from_db()
    assert soon.state == ListingState.EXPIRED
    assert later.state == ListingState.PUBLISHED and draft.state == ListingState.DRAFT
    assert StateChange.objects.filter(object_id=str(soon.pk), to_state="expired").count() == 1
    assert Event.objects.filter(type="transfer.listing.expire").count() == 1


def test_expiry_task_runs_the_service():
    from transfer.tasks import expire_listings

    ListingFactory(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    assert expire_listings() == {"warned": 0, "expired": 1}


def test_listing_workflow_to_withdrawn_and_concluded():
    owner = member("110000")
    a = ListingFactory(owner=owner.organization)
    services.listing_negotiate(a, actor=owner)
    services.listing_conclude(a, actor=owner)
    a.refresh_from_db()
    assert a.state == ListingState.CONCLUDED
    b = ListingFactory(owner=owner.organization)
    with pytest.raises(PermissionDenied):
        services.listing_withdraw(b, actor=member("110000"))
    services.listing_withdraw(b, actor=owner)
    b.refresh_from_db()
    assert b.state == ListingState.WITHDRAWN
