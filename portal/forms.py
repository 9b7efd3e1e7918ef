import re
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Organization, OrganizationKind
from .validators import normalize_uscc, validate_uscc

__all__ = [
    "LoginForm",
    "BootstrapFormMixin",
    "OrganizationForm",
    "OrganizationInput",
    "OrganizationField",
    "OrganizationsField",
    "participating_organizations",
]


def participating_organizations():
    """The organizations that take part in programmes, consortia and appointments: all but agencies."""
    return Organization.objects.exclude(kind=OrganizationKind.AGENCY)


class OrganizationInput(forms.TextInput):
    """A box for an organization's credit code that offers, as a name or the start of a code is typed,
    the matching organizations (``portal:organization_suggest``, filled in by static/portal/portal.js),
    and shows the chosen one's name. A select listed the whole register on every page that picks an
    organization: 45,000 at the bench's scale, about 2.5 MB of options each (bench, issue 10).
    ``province`` offers that region's organizations only."""

    template_name = "portal/widgets/organization_input.html"

    def __init__(self, attrs=None, province: str | None = None):
        super().__init__(
            {
                "class": "form-control",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": _("Credit code, or type part of the name"),
                **(attrs or {}),
            }
        )
        self.province = province

    def format_value(self, value):
        if isinstance(value, Organization):
            return value.uscc
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        box = widget["attrs"].get("id") or name
        query = f"?{urlencode({'province': self.province})}" if self.province else ""
        widget["attrs"]["list"] = widget["list_id"] = f"{box}-options"
        widget["attrs"]["data-caption"] = widget["caption_id"] = f"{box}-name"
        widget["attrs"]["data-suggest"] = reverse("portal:organization_suggest") + query
        widget["organization"] = value if isinstance(value, Organization) else None
        return context


class OrganizationField(forms.ModelChoiceField):
    """An organization given by its 统一社会信用代码 (lower case and spaces accepted), drawn as an
    ``OrganizationInput``; the queryset says which organizations may be given."""

    widget = OrganizationInput
    default_error_messages = {
        "invalid_choice": _("No organization that may be chosen here has the credit code %(value)s."),
    }

    def __init__(self, queryset=None, **kwargs):
        kwargs.setdefault("empty_label", None)
        super().__init__(
            queryset if queryset is not None else participating_organizations(),
            to_field_name="uscc",
            **kwargs,
        )

    def to_python(self, value):
        return super().to_python(normalize_uscc(value) if isinstance(value, str) else value)

    def prepare_value(self, value):
        # the widget draws an organization as its code and its name
        return value if isinstance(value, Organization) else super().prepare_value(value)

    def has_changed(self, initial, data):
        return super().has_changed(initial.uscc if isinstance(initial, Organization) else initial, data)


# codes are written one per line, or separated by commas, semicolons or spaces
_CODE_SEPARATORS = re.compile(r"[\s,;，；、]+")


class _CodesTextarea(forms.Textarea):
    def __init__(self, attrs=None):
        super().__init__({"class": "form-control", "rows": 4, "spellcheck": "false", **(attrs or {})})

    def value_from_datadict(self, data, files, name):
        return [c for c in _CODE_SEPARATORS.split(data.get(name, "")) if c]

    def format_value(self, value):
        if not value:
            return None
        return "\n".join(v.uscc if isinstance(v, Organization) else str(v) for v in value)


class OrganizationsField(forms.ModelMultipleChoiceField):
    """Organizations given by their credit codes, one per line."""

    widget = _CodesTextarea
    default_error_messages = {
        "invalid_choice": _("No organization that may be chosen here has the credit code %(value)s."),
        "invalid_list": _("Enter credit codes, one per line."),
    }

    def __init__(self, queryset=None, **kwargs):
        kwargs.setdefault("help_text", _("Credit codes, one per line."))
        super().__init__(
            queryset if queryset is not None else participating_organizations(),
            to_field_name="uscc",
            **kwargs,
        )

    def clean(self, value):
        if isinstance(value, list | tuple):
            value = [normalize_uscc(v) for v in value]
        return super().clean(value)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            # organizations are drawn as their codes by the widget
            return [v if isinstance(v, Organization) else str(v) for v in value]
        return super().prepare_value(value)


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

    def clean_uscc(self) -> str:
        value = normalize_uscc(self.cleaned_data.get("uscc", ""))
        validate_uscc(value)
        return value
