"""The planned representation (portal/api/representation.py) gives what DRF's gives, including DRF's
own edge cases; under the test settings every answer of the suite is also checked against DRF's."""

import datetime

import pytest
from rest_framework import serializers

from portal.api.representation import PortalModelSerializer, RepresentationMismatch, local_datetime
from tests.transfer.factories import BaseFactory, ListingFactory
from transfer.models import Listing

pytestmark = pytest.mark.django_db


class _Probe(PortalModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    base_name = serializers.CharField(source="base.name", read_only=True)  # null link: DRF skips it
    base_name_or_null = serializers.CharField(source="base.name", read_only=True, allow_null=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)  # callable
    rank = serializers.FloatField(read_only=True)  # an annotation, absent here: skipped
    doubled = serializers.SerializerMethodField()

    class Meta:
        model = Listing
        fields = [
            "id",
            "title",
            "trl",
            "price",
            "negotiable",
            "owner",
            "region",
            "base",
            "published_at",
            "owner_name",
            "base_name",
            "base_name_or_null",
            "state_display",
            "rank",
            "doubled",
        ]

    def get_doubled(self, obj) -> int:
        return (obj.trl or 0) * self.context.get("factor", 2)


class _Nested(PortalModelSerializer):
    owner = serializers.SerializerMethodField()
    listing = _Probe(source="*", read_only=True)

    class Meta:
        model = Listing
        fields = ["id", "owner", "listing"]

    def get_owner(self, obj) -> str:
        return obj.owner.name


def _drf(serializer, instance):
    return serializers.ModelSerializer.to_representation(serializer, instance)


def test_the_plan_gives_what_drf_gives_with_and_without_the_optional_links():
    without_base = ListingFactory(base=None, trl=None, price=None, negotiable=True)
    with_base = ListingFactory(base=BaseFactory(), trl=4)
    for listing in (without_base, with_base):
        ser = _Probe(listing)
        assert ser.data == _drf(_Probe(listing), listing)
    out = _Probe(without_base).data
    assert "base_name" not in out and out["base_name_or_null"] is None and "rank" not in out
    out = _Probe(with_base).data
    assert out["base_name"] == with_base.base.name and out["doubled"] == 8
    assert out["state_display"] == with_base.get_state_display()


def test_an_annotation_is_read_when_present():
    listing = ListingFactory()
    row = Listing.objects.annotate(rank=serializers.models.Value(0.5)).get(pk=listing.pk)
    assert _Probe(row).data["rank"] == 0.5


def test_the_check_catches_a_plan_that_differs(settings):
    listing = ListingFactory()
    ser = _Probe(listing)
    plan = ser._representation_plan()
    plan[1] = ("title", lambda obj: "not the title", None)
    settings.API_CHECK_REPRESENTATION = True
    with pytest.raises(RepresentationMismatch):
        ser.to_representation(listing)
    settings.API_CHECK_REPRESENTATION = False
    assert ser.to_representation(listing)["title"] == "not the title"  # the check is what caught it


def test_a_class_of_plain_fields_shares_one_plan_and_each_instance_its_own_context():
    listing = ListingFactory(trl=3)
    assert _Probe._shared_plan() is not None  # nothing here needs the instance's own fields
    assert _Probe(listing).data["doubled"] == 6
    assert _Probe(listing, context={"factor": 10}).data["doubled"] == 30
    many = _Probe([listing, listing], many=True, context={"factor": 5}).data
    assert [row["doubled"] for row in many] == [15, 15]


def test_a_nested_serializer_plans_per_instance_and_gives_what_drf_gives():
    listing = ListingFactory(trl=2)
    assert _Nested._shared_plan() is None
    ser = _Nested(listing, context={"factor": 7})
    assert ser.data == _drf(_Nested(listing, context={"factor": 7}), listing)
    assert ser.data["listing"]["doubled"] == 14 and ser.data["owner"] == listing.owner.name


def test_no_serializer_with_a_nested_serializer_shares_its_plan():
    # a shared plan would convert through the prototype's nested serializer, whose context has no
    # request (the showcase's listings once lost their contact that way)
    import cooperation.api.serializers  # noqa: F401
    import ip_enforcement.api.serializers  # noqa: F401
    import talent.api.serializers  # noqa: F401
    import transfer.api.serializers  # noqa: F401
    import vouchers.api.serializers  # noqa: F401

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    checked = 0
    for cls in subclasses(PortalModelSerializer):
        if getattr(getattr(cls, "Meta", None), "model", None) is None:
            continue
        nested = [f for f in cls(context={})._readable_fields if isinstance(f, serializers.BaseSerializer)]
        if nested:
            checked += 1
            assert cls._shared_plan() is None, cls
    assert checked >= 5


def test_fields_changed_on_an_instance_are_honoured_not_the_class_plan():
    listing = ListingFactory(trl=3)
    ser = _Probe(listing)
    ser.fields.pop("doubled")
    assert "doubled" not in ser.data and ser.data["title"] == listing.title


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-26T08:30:00+00:00",
        "2026-11-26T23:59:59.123456+08:00",
        "2026-01-01T00:00:00-05:00",
        "2026-06-30T12:00:00",  # naive: DRF makes it aware in the current time zone
    ],
)
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_date_times_convert_as_drf_converts_them_in_the_current_time_zone(value, zone):
    from datetime import datetime

    from django.utils import timezone

    from portal.api.representation import _datetime_converter

    with timezone.override(zone):
        field = serializers.DateTimeField()
        convert = _datetime_converter(field)
        parsed = datetime.fromisoformat(value)
        assert convert(parsed) == field.to_representation(parsed)
    if parsed.utcoffset() is not None:  # aware: in the zone of when the converter was made
        assert convert(parsed).endswith("Z") == (zone == "UTC")


@pytest.mark.parametrize(
    "value", ["0", "1.005", "2.675", "-3.14159", "123456789012.345", "1E+3", "NaN", "0.000001"]
)
@pytest.mark.parametrize("places, digits", [(2, 14), (0, 12), (4, None)])
def test_decimals_convert_as_drf_converts_them(value, places, digits):
    from decimal import Decimal

    from portal.api.representation import _decimal_converter

    field = serializers.DecimalField(max_digits=digits, decimal_places=places)
    assert _decimal_converter(field)(Decimal(value)) == field.to_representation(Decimal(value))
    assert _decimal_converter(field)(float(value)) == field.to_representation(float(value))  # not a Decimal


def test_a_decimal_beyond_its_digits_fails_as_in_drf():
    from decimal import Decimal, InvalidOperation

    from portal.api.representation import _decimal_converter

    field = serializers.DecimalField(max_digits=4, decimal_places=2)
    with pytest.raises(InvalidOperation):
        field.to_representation(Decimal("123456.78"))
    with pytest.raises(InvalidOperation):
        _decimal_converter(field)(Decimal("123456.78"))


def test_the_plan_of_a_list_converts_date_times_and_prices_as_drf(settings):
    settings.API_CHECK_REPRESENTATION = True  # every row also computed DRF's way, and compared
    rows = [ListingFactory(price="1234.5"), ListingFactory(price=None, negotiable=True)]
    out = _Probe(rows, many=True).data
    assert out[0]["price"] == "1234.50" and out[1]["price"] is None
    assert out[0]["published_at"] == serializers.DateTimeField().to_representation(rows[0].published_at)


def test_a_date_time_a_method_field_returns_reads_as_the_date_time_fields_do():
    """Inside a dict or list built by a method field, a date-time is written as DRF writes a
    DateTimeField (the current time zone), not by the JSON encoder in UTC."""
    instant = datetime.datetime(2026, 11, 26, 23, 30, tzinfo=datetime.UTC)
    assert local_datetime(instant) == serializers.DateTimeField().to_representation(instant)
    assert local_datetime(instant) == "2026-11-27T07:30:00+08:00"
    assert local_datetime(None) is None
