import re
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Model
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Organization
from .selectors import SUGGESTION_MIN_LENGTH, participating_organizations
from .validators import normalize_uscc, validate_uscc

__all__ = [
    "LoginForm",
    "BootstrapFormMixin",
    "OrganizationForm",
    "SuggestInput",
    "OrganizationInput",
    "OrganizationField",
    "OrganizationsField",
    "RecordChoiceIterator",
    "RecordChoiceField",
    "NamedChoiceMixin",
    "NamedChoiceField",
]


class SuggestInput(forms.TextInput):
    """A box for a record's key (a code, a number) that offers, as a few characters are typed, the
    matching records from the portal (``suggest``: the name of a URL that answers ``?q=`` with
    ``<option value="key">label</option>``, filled in by static/portal/portal.js), and shows the
    chosen record under it. A select of a table that grows lists all of it on every page (bench,
    issue 10). A record given as the value is drawn as its ``key`` with its ``str()`` below."""

    template_name = "portal/widgets/suggest_input.html"
    suggest: str = ""
    key: str = "pk"
    placeholder = ""

    def __init__(self, attrs=None, **params: str):
        super().__init__(
            {
                "class": "form-control",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": self.placeholder,
                **(attrs or {}),
            }
        )
        self.params = {k: v for k, v in params.items() if v}

    def format_value(self, value):
        if isinstance(value, Model):
            return super().format_value(getattr(value, self.key))
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        box = widget["attrs"].get("id") or name
        query = f"?{urlencode(self.params)}" if self.params else ""
        widget["attrs"]["list"] = widget["list_id"] = f"{box}-options"
        widget["attrs"]["data-caption"] = widget["caption_id"] = f"{box}-name"
        widget["attrs"]["data-suggest"] = reverse(self.suggest) + query
        widget["attrs"]["data-suggest-from"] = SUGGESTION_MIN_LENGTH
        widget["record"] = value if isinstance(value, Model) else None
        return context


class OrganizationInput(SuggestInput):
    """An organization's credit code, with suggestions by name or the start of a code
    (``portal:organization_suggest``). A select listed the whole register on every page that picks
    an organization: 45,000 at the bench's scale, about 2.5 MB of options each. ``province`` offers
    that region's organizations only."""

    suggest = "portal:organization_suggest"
    key = "uscc"
    placeholder = _("Credit code, or type part of the name")

    def __init__(self, attrs=None, province: str | None = None):
        super().__init__(attrs, province=province or "")


class _ByCreditCode:
    """A choice of organizations (by default those that take part: all but agencies) made by credit
    code; a code none of them has is refused naming it."""

    default_error_messages = {
        "invalid_choice": _("No organization that may be chosen here has the credit code %(value)s."),
    }

    def __init__(self, queryset=None, **kwargs):
        super().__init__(
            queryset if queryset is not None else participating_organizations(),
            to_field_name="uscc",
            **kwargs,
        )


class OrganizationField(_ByCreditCode, forms.ModelChoiceField):
    """An organization given by its 统一社会信用代码 (lower case and surrounding spaces accepted),
    drawn as an ``OrganizationInput``; the queryset says which organizations may be given."""

    widget = OrganizationInput

    def __init__(self, queryset=None, **kwargs):
        kwargs.setdefault("empty_label", None)
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        return super().to_python(normalize_uscc(value) if isinstance(value, str) else value)

    def prepare_value(self, value):
        # the widget draws an organization as its code and its name
        return value if isinstance(value, Organization) else super().prepare_value(value)

    def has_changed(self, initial, data):
        initial = initial.uscc if isinstance(initial, Organization) else initial
        return super().has_changed(initial, normalize_uscc(data) if isinstance(data, str) else data)


# codes are written one per line, or separated by commas, semicolons or spaces
_CODE_SEPARATORS = re.compile(r"[\s,;，；、]+")


class _CodesTextarea(forms.Textarea):
    def __init__(self, attrs=None):
        super().__init__({"class": "form-control", "rows": 4, "spellcheck": "false", **(attrs or {})})

    def value_from_datadict(self, data, files, name):
        return [c for c in _CODE_SEPARATORS.split(data.get(name, "")) if c]

    def format_value(self, value):
        return "\n".join(str(v) for v in value) if value else None


class OrganizationsField(_ByCreditCode, forms.ModelMultipleChoiceField):
    """Organizations given by their credit codes, one per line (or separated by commas)."""

    widget = _CodesTextarea
    default_error_messages = {"invalid_list": _("Enter credit codes, one per line.")}

    def __init__(self, queryset=None, **kwargs):
        kwargs.setdefault("help_text", _("Credit codes, one per line."))
        super().__init__(queryset, **kwargs)

    def clean(self, value):
        if isinstance(value, list | tuple):
            value = [normalize_uscc(v) for v in value]
        return super().clean(value)

    def has_changed(self, initial, data):
        if isinstance(data, list | tuple):
            data = [normalize_uscc(v) for v in data]
        return super().has_changed(initial, data)


class RecordChoiceIterator(ModelChoiceIterator):
    """The options of a select of records, read with one plain query. Django's iterator reads them
    through a server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE: three round trips, and the rows
    copied when the implicit transaction commits), which is for a select too large to hold in memory.
    A portal select is short: a table that grows gets a suggestion box (SuggestInput). A programme's
    topics: 0.63 → 0.31 ms (bench, issue 10)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class RecordChoiceField(forms.ModelChoiceField):
    """A select of records, the portal's ``ModelChoiceField``: its options read as RecordChoiceIterator
    reads them."""

    iterator = RecordChoiceIterator


class NamedChoiceIterator(ModelChoiceIterator):
    """The options of a select read as ``(number, name)`` rows. Django's iterator builds a model instance
    per option and asks it for its label: the 200 technology bases' select spent 3 ms of every listings
    page so, against 0.8 ms for the rows (bench, issue 10)."""

    def __iter__(self):
        if self.field.to_field_name:  # options keyed by another column: Django's own iterator
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:  # django-filter's "none" option, second
            yield (self.field.null_value, self.field.null_label)
        for pk, label in self.queryset.values_list("pk", self.field.label_field):
            yield ModelChoiceIteratorValue(pk, None), label

    def __len__(self):
        return super().__len__() + (getattr(self.field, "null_label", None) is not None)


class NamedChoiceMixin:
    """A model choice field whose options are labelled by one column, ``label_field``: for a table whose
    ``str()`` is that column (regions, bases), so the select shows what Django's would. Not for a field
    that overrides ``label_from_instance`` (the rows never become instances)."""

    iterator = NamedChoiceIterator
    label_field = "name"


class NamedChoiceField(NamedChoiceMixin, forms.ModelChoiceField):
    pass


class BootstrapFormMixin:
    """Adds Bootstrap classes to every widget, so templates render forms with one include."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    username = forms.CharField(label=_("Username"), max_length=150)


class OrganizationForm(BootstrapFormMixin, forms.ModelForm):
    """Register or edit an organization; the 统一社会信用代码 is checked (GB 32100-2015), lower case accepted."""

    class Meta:
        model = Organization
        fields = ["kind", "name", "uscc", "region", "agency_domain"]
        field_classes = {"region": RecordChoiceField}

    def clean_uscc(self) -> str:
        value = normalize_uscc(self.cleaned_data.get("uscc", ""))
        validate_uscc(value)
        return value
