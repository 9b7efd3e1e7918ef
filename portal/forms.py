from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Organization
from .validators import normalize_uscc, validate_uscc

__all__ = ["LoginForm", "BootstrapFormMixin", "OrganizationForm"]


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
