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


def test_a_select_is_written_without_its_templates(monkeypatch):
    rendered = []
    original = DjangoTemplates.render

    def recording(self, template_name, context, request=None):
        rendered.append(template_name)
        return original(self, template_name, context, request=request)

    monkeypatch.setattr(DjangoTemplates, "render", recording)
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
