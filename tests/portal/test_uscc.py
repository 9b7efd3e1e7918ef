import pytest
from django.core.exceptions import ValidationError

from portal.api.serializers import OrganizationSerializer
from portal.forms import OrganizationForm
from portal.models import Organization
from portal.validators import validate_uscc
from tests.factories import make_uscc


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91350100m000100y43", " 91350100M000100Y43 "])
def test_valid_codes_accepted(code):
    validate_uscc(code)


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y44", "91350100M000100Y4", "91350100M000100YI3", "9135010OM000100Y43", ""],
)
def test_invalid_codes_refused(code):
    with pytest.raises(ValidationError):
        validate_uscc(code)


@pytest.mark.django_db
def test_form_names_the_field_and_accepts_lower_case():
    data = {"kind": "enterprise", "name": "某科技有限公司", "region": "110000", "agency_domain": ""}
    form = OrganizationForm(data={**data, "uscc": "91350100M000100Y44"})
    assert not form.is_valid()
    assert list(form.errors) == ["uscc"]
    assert "check character" in form.errors["uscc"][0] or "校验" in form.errors["uscc"][0]

    form = OrganizationForm(data={**data, "uscc": "91350100m000100y43"})
    assert form.is_valid(), form.errors
    org = form.save()
    assert Organization.objects.get(pk=org.pk).uscc == "91350100M000100Y43"
    assert org.province_id == "110000"


@pytest.mark.django_db
def test_serializer_names_the_field():
    ser = OrganizationSerializer(
        data={"kind": "enterprise", "name": "x", "uscc": "91350100M000100Y44", "region": "110000"}
    )
    assert not ser.is_valid()
    assert set(ser.errors) == {"uscc"}
    ok = OrganizationSerializer(
        data={"kind": "enterprise", "name": "x", "uscc": make_uscc("120000").lower(), "region": "120000"}
    )
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["uscc"].isupper()


@pytest.mark.django_db
def test_model_refuses_invalid_code_on_full_clean():
    org = Organization(kind="enterprise", name="x", uscc="91350100M000100Y44", region_id="110000")
    with pytest.raises(ValidationError) as exc:
        org.full_clean(exclude=["province"])
    assert "uscc" in exc.value.message_dict
