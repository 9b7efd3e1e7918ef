"""The portal's form renderer writes selects in Python exactly as Django's templates would."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override
from django_filters import FilterSet, ModelChoiceFilter

from portal.filters import NamedChoiceFilter
from portal.form_renderer import PortalFormRenderer
from portal.forms import NamedChoiceField
from portal.models import Region
from tests.transfer.factories import BaseFactory
from transfer.filters import ListingFilterSet
from transfer.models import Base


class EveryKindOfSelect(forms.Form):
    plain = forms.ChoiceField(choices=[("", "---"), ("a", "Alpha & <b>"), ("b", 'Quote "b"')])
    grouped = forms.ChoiceField(
        choices=[("Audio", [("vinyl", "Vinyl"), ("cd", "CD")]), ("Video", [("vhs", "VHS")]), ("x", "Loose")]
    )
    numbers = forms.TypedChoiceField(coerce=int, choices=[(1, 1000), (2, 2000000)])
    many = forms.MultipleChoiceField(choices=[("1", "一"), ("2", "二"), ("3", "三")], required=False)
    lazy = forms.ChoiceField(choices=[("y", gettext_lazy("Yes")), ("n", gettext_lazy("No"))])
    safe = forms.ChoiceField(choices=[(mark_safe("<i>"), mark_safe("<em>safe</em>")), ("t", "<t>")])
    flags = forms.ChoiceField(
        choices=[("f", "F")],
        widget=forms.Select(attrs={"class": "form-select", "required": True, "disabled": False, "data-x": 3}),
    )
    nullable = forms.NullBooleanField()
    region = forms.ModelChoiceField(queryset=Region.objects.none(), required=False)


def _both(bound_field) -> tuple[str, str]:
    widget = bound_field.field.widget
    fast = widget.render(bound_field.html_name, bound_field.value(), renderer=PortalFormRenderer())
    django = widget.render(bound_field.html_name, bound_field.value(), renderer=DjangoTemplates())
    return fast, django


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "a", "grouped": "cd", "numbers": "2", "many": ["1", "3"], "lazy": "n", "safe": "<i>"},
        {"plain": "nope", "many": ["9"], "nullable": "true", "flags": "f"},
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_kind_of_select_is_written_exactly_as_djangos_templates_write_it(data, language):
    with override(language):
        form = EveryKindOfSelect(data or None)
        form.is_valid()
        for name in form.fields:
            fast, django = _both(form[name])
            assert fast == django, name
            assert "<option" in fast or name == "region"


@pytest.mark.django_db
def test_the_listing_filter_form_is_the_same_html_through_either_renderer():
    Region.objects.get_or_create(code="120000", defaults={"name": "天津市"})
    filterset = ListingFilterSet({"region": "120000", "kind": "supply"}, queryset=None)
    form = filterset.form
    for name in form.fields:
        fast, django = _both(form[name])
        assert fast == django, name


def test_the_portal_renderer_is_the_one_forms_use():
    assert isinstance(get_default_renderer(), PortalFormRenderer)


def test_a_select_with_another_option_template_goes_through_the_templates():
    class OwnOption(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    field = forms.ChoiceField(choices=[("a", "A")], widget=OwnOption)
    fast = field.widget.render("x", "a", renderer=PortalFormRenderer())
    django = field.widget.render("x", "a", renderer=DjangoTemplates())
    assert fast == django
    assert "<option" not in fast  # the other template was used, not the Python select


def test_a_callable_label_is_left_to_the_template_language_which_calls_it():
    class Label:
        def __call__(self):
            return "called <label>"

    field = forms.ChoiceField(choices=[("a", Label()), ("b", "B")])
    fast = field.widget.render("x", "a", renderer=PortalFormRenderer())
    assert fast == field.widget.render("x", "a", renderer=DjangoTemplates())
    assert "called &lt;label&gt;" in fast


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The templates Django's renderer renders from here on (the portal's calls it for the others)."""
    names = []
    original = DjangoTemplates.render

    def recording(self, template_name, context, request=None):
        names.append(template_name)
        return original(self, template_name, context, request=request)

    monkeypatch.setattr(DjangoTemplates, "render", recording)
    return names


def test_a_select_is_written_without_its_templates(rendered):
    field = forms.ChoiceField(choices=[(str(i), f"基地 {i}") for i in range(200)])
    html = field.widget.render("base", "17", renderer=PortalFormRenderer())
    assert rendered == []
    assert html.count("<option") == 200 and '<option value="17" selected>基地 17</option>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("selected", [None, "pick"])
def test_a_named_choice_select_shows_what_djangos_model_select_shows_from_rows_not_instances(
    selected, django_assert_num_queries
):
    bases = [BaseFactory(name=name) for name in ("概念验证中心 <甲>", "中试基地 & 乙", "孵化器丙")]
    value = bases[1].pk if selected else None
    named = NamedChoiceField(queryset=Base.objects.all(), required=False)
    django = forms.ModelChoiceField(queryset=Base.objects.all(), required=False)
    with django_assert_num_queries(1):  # the (number, name) rows, no model instances
        html = named.widget.render("base", value, renderer=PortalFormRenderer())
    assert html == django.widget.render("base", value, renderer=DjangoTemplates())
    assert html.count("<option") == 4 and "概念验证中心 &lt;甲&gt;" in html

    def filter_form(filter_class, data):
        class Bases(FilterSet):
            base = filter_class(queryset=Base.objects.all(), null_label="none")

            class Meta:
                model = Base
                fields = ["base"]

        return Bases(data, queryset=Base.objects.all()).form

    form = filter_form(NamedChoiceFilter, {"base": str(bases[2].pk)})
    assert form.is_valid() and form.cleaned_data["base"] == bases[2]  # validation still reads the row
    theirs = filter_form(ModelChoiceFilter, {"base": str(bases[2].pk)})  # django-filter's own
    assert str(form["base"]) == str(theirs["base"])  # the "none" option included, in its place
    assert len(form.fields["base"].choices) == len(theirs.fields["base"].choices) == 5


class EveryKindOfInput(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "名称 <x>"}))
    number = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    integer = forms.IntegerField(required=False, widget=forms.NumberInput(attrs={"step": 1, "data-n": 3}))
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(required=False)
    time = forms.TimeField(required=False)
    search = forms.CharField(required=False, widget=forms.SearchInput)
    tel = forms.CharField(required=False, widget=forms.TelInput)
    color = forms.CharField(required=False, widget=forms.ColorInput)
    check = forms.BooleanField(required=False)
    upload = forms.FileField(required=False, widget=forms.FileInput)
    flags = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={"required": True, "disabled": False, "aria-label": gettext_lazy("Yes")}
        ),
    )
    plan = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}))


@pytest.mark.parametrize(
    "data, initial",
    [
        ({}, {}),
        (
            {},
            {
                "text": "已有 & <b>",
                "number": __import__("decimal").Decimal("1234567.5"),
                "integer": 0,
                "date": __import__("datetime").date(2026, 11, 28),
                "moment": __import__("datetime").datetime(2026, 11, 28, 9, 30),
                "time": __import__("datetime").time(9, 5),
                "check": True,
                "plan": "第一行\n第二行 <i>",
                "hidden": mark_safe("<safe>"),
            },
        ),
        (
            {
                "text": "",
                "number": "-1",
                "integer": "x",
                "email": "a@b",
                "url": "javascript:1",
                "password": '秘密"',
                "hidden": "0",
                "date": "2026-02-30",
                "search": "芯片",
                "tel": "+86 10",
                "color": "#ff0000",
                "check": "on",
                "flags": "  spaced  ",
                "plan": "",
            },
            {},
        ),
        ({"plan": "0", "text": "0"}, {}),
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_kind_of_input_and_text_area_is_written_exactly_as_djangos_templates_write_it(
    data, initial, language
):
    with override(language):
        ours = EveryKindOfInput(data or None, initial=initial, renderer=PortalFormRenderer())
        theirs = EveryKindOfInput(data or None, initial=initial, renderer=DjangoTemplates())
        ours.is_valid(), theirs.is_valid()
        for name in ours.fields:
            fast, django = str(ours[name]), str(theirs[name])
            assert fast == django, name
            assert fast.startswith("<input" if name != "plan" else "<textarea"), name


def test_the_inputs_written_in_python_are_the_templates_that_only_include_input_html():
    from portal.form_renderer import INPUTS

    engine = DjangoTemplates().engine
    for name in INPUTS:
        source = engine.get_template(name).template.source
        assert source.strip() == '{% include "django/forms/widgets/input.html" %}', name


def test_an_input_is_written_without_its_templates(rendered):
    html = forms.TextInput().render("title", "标题", renderer=PortalFormRenderer())
    html += forms.Textarea().render("plan", "计划", renderer=PortalFormRenderer())
    assert rendered == []
    assert '<input type="text" name="title" value="标题">' in html and ">\n计划</textarea>" in html


def test_a_callable_value_of_an_input_is_left_to_the_template_language_which_calls_it():
    class Value:
        def __call__(self):
            return "called <value>"

    class Raw(forms.TextInput):
        def format_value(self, value):  # the callable reaches the template (TextInput's makes a str)
            return value

    fast = Raw().render("x", Value(), renderer=PortalFormRenderer())
    assert fast == Raw().render("x", Value(), renderer=DjangoTemplates())
    assert 'value="called &lt;value&gt;"' in fast


@pytest.mark.django_db
@pytest.mark.parametrize("empty_label", ["---------", None])
def test_a_record_select_reads_its_options_in_one_plain_query_and_shows_what_djangos_shows(empty_label):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.forms import RecordChoiceField

    bases = [BaseFactory(name=name) for name in ("概念验证中心 <甲>", "中试基地 & 乙")]
    ours = RecordChoiceField(queryset=Base.objects.order_by("pk"), empty_label=empty_label)
    theirs = forms.ModelChoiceField(queryset=Base.objects.order_by("pk"), empty_label=empty_label)
    with CaptureQueriesContext(connection) as queries:
        html = ours.widget.render("base", bases[1].pk, renderer=PortalFormRenderer())
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]
    with CaptureQueriesContext(connection) as queries:
        assert html == theirs.widget.render("base", bases[1].pk, renderer=PortalFormRenderer())
    assert queries.captured_queries[0]["sql"].startswith("DECLARE")  # Django's: a server-side cursor
    assert html.count("<option") == 2 + (empty_label is not None) and "中试基地 &amp; 乙</option>" in html
