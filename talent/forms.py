"""Forms of the talent app's pages. They validate the shape of the input; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import OrganizationField, RecordChoiceField
from portal.validators import normalize_id_number, validate_id_number

from .models import CredentialKind, TitleLevel, TitleSeries

__all__ = [
    "RequestForm",
    "AppointmentForm",
    "RegistryImportForm",
    "VerifyForm",
    "EvidenceForm",
]

PROVINCES = [("110000", "北京市"), ("120000", "天津市"), ("130000", "河北省")]


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class _IdNumberMixin:
    def clean_id_number(self):
        value = normalize_id_number(self.cleaned_data["id_number"])
        validate_id_number(value)
        return value


class RequestForm(_IdNumberMixin, forms.Form):
    person_name = forms.CharField(label=_("Holder's name"), max_length=64)
    id_number = forms.CharField(label=_("Holder's ID number"), max_length=18)
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)
    for_self = forms.BooleanField(label=_("I am the holder"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=CredentialKind.choices)
    series = RecordChoiceField(
        label=_("Title series"), queryset=TitleSeries.objects.all(), required=False, to_field_name="code"
    )
    level = forms.ChoiceField(
        label=_("Title level"), choices=[("", "—"), *TitleLevel.choices], required=False
    )
    name = forms.CharField(label=_("Title or qualification"), max_length=100)
    specialty = forms.CharField(label=_("Specialty"), max_length=100, required=False)
    issuing_region = forms.ChoiceField(label=_("Issuing region"), choices=PROVINCES)
    issuing_authority = forms.CharField(label=_("Issuing authority"), max_length=200)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=64)
    issued_on = forms.DateField(label=_("Date of issue"), widget=forms.DateInput(attrs={"type": "date"}))
    host_region = forms.ChoiceField(label=_("Region asked to recognize it"), choices=PROVINCES)
    evidence = forms.FileField(
        label=_("Certificate (scan)"),
        required=False,
        help_text=_(
            "Not needed when the issuing region's registry lists the credential or it is already on file."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class EvidenceForm(forms.Form):
    evidence = forms.FileField(label=_("Add a document"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class AppointmentForm(_IdNumberMixin, forms.Form):
    person_name = forms.CharField(label=_("Name"), max_length=64)
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    home_organization = OrganizationField(label=_("Employer"))
    host_organization = OrganizationField(label=_("Appointing organization"))
    role = forms.CharField(label=_("Role"), max_length=100)
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class RegistryImportForm(forms.Form):
    file = forms.FileField(label=_("Registry file (.csv or .xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=32)
    id_number = forms.CharField(
        label=_("Holder's ID number (optional)"),
        max_length=18,
        required=False,
        help_text=_("Confirms whether it matches; it is never shown."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)
