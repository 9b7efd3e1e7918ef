"""The organization box (``portal.forms.OrganizationField``): an organization is given by its credit
code, the portal suggests organizations by name or code as they are typed, and no page that picks an
organization lists the register."""

import re

import factory
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.forms import OrganizationField, OrganizationsField
from portal.models import Organization, OrganizationKind, Region
from portal.selectors import SUGGESTION_LIMIT
from tests.factories import OrganizationFactory, member, official

pytestmark = pytest.mark.django_db

SUGGEST = "/organizations/suggest/"


def factory_name(word: str):
    return factory.Sequence(lambda n: f"{word}{n:03d}")


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def options(response) -> list[str]:
    """The credit codes a suggestion answer offers, in order."""
    return re.findall(r'<option value="([0-9A-Z]{18})">', response.content.decode())


def test_suggestions_match_a_name_or_the_start_of_a_credit_code_and_leave_out_agencies():
    user = member("120000")
    lab = OrganizationFactory(name="天津类脑智能实验室", kind=OrganizationKind.INSTITUTE)
    OrganizationFactory(name="北京量子研究院", kind=OrganizationKind.INSTITUTE)
    agency = official("110000").organization
    client = signed_in(user)

    r = client.get(SUGGEST, {"q": "类脑"})
    assert r.status_code == 200 and options(r) == [lab.uscc]
    assert "天津类脑智能实验室" in r.content.decode()
    # the start of a code, typed in lower case
    assert lab.uscc in options(client.get(SUGGEST, {"q": lab.uscc[:12].lower()}))
    # an agency's exact code is not offered: programmes, consortia and appointments take the others
    assert options(client.get(SUGGEST, {"q": agency.uscc})) == []
    # one character is too little to suggest from
    assert options(client.get(SUGGEST, {"q": "类"})) == []


def test_a_name_is_found_by_any_run_of_its_characters_as_like_finds_it_and_a_renamed_one_by_its_new_name():
    user = member("110000")
    org = OrganizationFactory(name="京津冀ABC类脑芯片有限公司", kind=OrganizationKind.INSTITUTE)
    client = signed_in(user)
    for typed in ("类脑", "脑芯片", "京津冀", "有限公司", "abc类脑"):
        found = options(client.get(SUGGEST, {"q": typed}))
        assert found == [org.uscc], typed
        expected = Organization.objects.filter(name__icontains=typed).exclude(kind=OrganizationKind.AGENCY)
        assert set(found) == set(expected.values_list("uscc", flat=True)), typed
    assert options(client.get(SUGGEST, {"q": "脑类"})) == []  # the characters, in their order
    org.name = "津冀量子传感研究院"
    org.save(update_fields=["name"])
    assert options(client.get(SUGGEST, {"q": "类脑"})) == []
    assert options(client.get(SUGGEST, {"q": "量子传感"})) == [org.uscc]


def test_a_word_of_letters_and_digits_is_a_word_of_a_name_not_the_start_of_a_code():
    org = OrganizationFactory(name="京津冀 5G 通信研究院", kind=OrganizationKind.INSTITUTE)
    client = signed_in(member("110000"))
    assert options(client.get(SUGGEST, {"q": "5G"})) == [org.uscc]
    assert options(client.get(SUGGEST, {"q": org.uscc[:14]})) == [org.uscc]


def test_a_credit_code_is_found_from_its_start_in_code_order():
    user = member("110000")
    a, b = sorted(
        OrganizationFactory.create_batch(2, region=Region.objects.get(pk="120000")), key=lambda o: o.uscc
    )
    client = signed_in(user)
    found = options(client.get(SUGGEST, {"q": "91120"}))
    assert found == sorted(found) and {a.uscc, b.uscc} <= set(found)
    assert options(client.get(SUGGEST, {"q": b.uscc[:14].lower()})) == [b.uscc]
    assert options(client.get(SUGGEST, {"q": "9112ZZZZ"})) == []


def test_suggestions_keep_to_a_province_when_asked_and_refuse_an_unknown_one():
    client = signed_in(member("110000"))
    bj = OrganizationFactory(name="协同创新中心甲", region=Region.objects.get(pk="110000"))
    hb = OrganizationFactory(name="协同创新中心乙", region=Region.objects.get(pk="130000"))
    assert set(options(client.get(SUGGEST, {"q": "协同创新中心"}))) == {bj.uscc, hb.uscc}
    assert options(client.get(SUGGEST, {"q": "协同创新中心", "province": "130000"})) == [hb.uscc]
    r = client.get(SUGGEST, {"q": "协同创新中心", "province": "310000"})
    assert r.status_code == 400 and "province" in r.content.decode()


def test_suggestions_are_few_by_name_and_cost_the_same_queries_however_many_match(
    django_assert_num_queries,
):
    client = signed_in(member("110000"))
    OrganizationFactory(name="研究所甲")
    client.get(SUGGEST, {"q": "研究所"})  # the session's first request
    with CaptureQueriesContext(connection) as one:
        assert len(options(client.get(SUGGEST, {"q": "研究所"}))) == 1
    OrganizationFactory.create_batch(SUGGESTION_LIMIT + 5, name=factory_name("研究所"))
    with django_assert_num_queries(len(one)):
        codes = options(client.get(SUGGEST, {"q": "研究所"}))
    assert len(codes) == SUGGESTION_LIMIT
    names = [o.name for o in Organization.objects.filter(uscc__in=codes)]
    assert sorted(names) == sorted(
        Organization.objects.filter(name__contains="研究所")
        .order_by("name")
        .values_list("name", flat=True)[:SUGGESTION_LIMIT]
    )


def test_suggestions_need_a_signed_in_user():
    OrganizationFactory(name="天津类脑智能实验室")
    r = Client().get(SUGGEST, {"q": "类脑"})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_the_field_takes_a_credit_code_in_any_case_and_names_a_code_it_does_not_know():
    lab = OrganizationFactory(kind=OrganizationKind.INSTITUTE)
    agency = official("110000").organization
    field = OrganizationField()
    assert field.clean(f"  {lab.uscc.lower()} ") == lab
    for code in (agency.uscc, "91110000MA0000000X", "abc"):
        with pytest.raises(ValidationError) as refused:
            field.clean(code)
        assert code.upper() in " ".join(refused.value.messages)


def test_the_box_shows_the_chosen_organizations_code_and_name_and_offers_nothing_else():
    chosen = OrganizationFactory(name="天津类脑智能实验室")
    OrganizationFactory(name="北京量子研究院")
    html = OrganizationField().widget.render("organization", chosen, {"id": "id_organization"})
    assert f'value="{chosen.uscc}"' in html and "天津类脑智能实验室" in html
    assert 'list="id_organization-options"' in html and f'data-suggest="{SUGGEST}"' in html
    assert "北京量子研究院" not in html
    assert not OrganizationField().has_changed(chosen, chosen.uscc)
    assert not OrganizationField().has_changed(chosen, f" {chosen.uscc.lower()} ")
    assert OrganizationField().has_changed(chosen, "")


def test_several_organizations_are_given_one_code_per_line_or_separated_by_commas():
    a, b, c = OrganizationFactory.create_batch(3)
    field = OrganizationsField()
    posted = field.widget.value_from_datadict(
        {"members": f"{a.uscc}\n{b.uscc.lower()}，{c.uscc}"}, {}, "members"
    )
    assert set(field.clean(posted)) == {a, b, c}
    assert not field.has_changed([a, b, c], posted)
    assert field.has_changed([a, b], posted)
    assert field.widget.format_value(field.prepare_value([a, b])) == f"{a.uscc}\n{b.uscc}"
    with pytest.raises(ValidationError) as refused:
        field.clean([a.uscc, "91110000MA0000000X"])
    assert "91110000MA0000000X" in " ".join(refused.value.messages)


def test_no_page_that_picks_an_organization_lists_the_register():
    """The application form, the consortium form and the appointment form: the size of the page does
    not grow with the register."""
    from tests.cooperation.factories import Cast, open_programme

    cast = Cast()
    programme, _topic = open_programme(cast)
    OrganizationFactory.create_batch(30, name=factory_name("不应列出的单位"))
    pages = [
        (cast.applicant, f"/cooperation/programmes/{programme.pk}/apply/"),
        (cast.bj_officer, reverse("cooperation:consortium_create")),
        (official("120000", domain="hr"), reverse("talent:appointment_new")),
    ]
    for user, url in pages:
        r = signed_in(user).get(url)
        assert r.status_code == 200, url
        page = r.content.decode()
        assert "不应列出的单位" not in page, url
        assert "data-suggest=" in page, url


def test_an_organization_saved_without_its_name_vector_is_found_once_the_command_writes_it():
    """Code older than migration 0007 saves organizations without the vector during a rolling deploy;
    ``manage.py write_name_vectors`` writes the missing ones, and only those."""
    from io import StringIO

    from django.core.management import call_command

    org = OrganizationFactory(name="滨海类脑计算研究中心", kind=OrganizationKind.INSTITUTE)
    Organization.objects.filter(pk=org.pk).update(search_vector=None)
    client = signed_in(member("110000"))
    assert options(client.get(SUGGEST, {"q": "类脑计算"})) == []
    out = StringIO()
    call_command("write_name_vectors", stdout=out)
    assert out.getvalue().startswith("1 ")
    assert options(client.get(SUGGEST, {"q": "类脑计算"})) == [org.uscc]
    call_command("write_name_vectors", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("0 ")
