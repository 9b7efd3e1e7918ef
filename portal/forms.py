from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

__all__ = ["LoginForm", "BootstrapFormMixin"]


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
