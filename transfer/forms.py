"""Forms of this app's pages. They collect input; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import NamedChoiceField
from portal.models import Region

from .models import Base, ListingKind, ResultType, TechField, TransferMode

__all__ = [
    "ListingForm",
    "MatchingListForm",
    "PairForm",
    "DealForm",
    "ValuationForm",
    "ValuationCompleteForm",
    "ShowcaseForm",
    "ShowcaseFeatureForm",
]


def _bs(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bs(self)


class ListingForm(_Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ListingKind.choices)
    result_type = forms.ChoiceField(label=_("Type of result"), choices=ResultType.choices, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    description = forms.CharField(label=_("Full description"), widget=forms.Textarea(attrs={"rows": 8}))
    field = forms.ChoiceField(label=_("Field"), choices=TechField.choices)
    trl = forms.IntegerField(
        label=_("Technology readiness level (1–9)"), min_value=1, max_value=9, required=False
    )
    ip_refs = forms.CharField(
        label=_("IP references"),
        required=False,
        help_text=_("Patent or registration numbers, separated by commas"),
    )
    transfer_mode = forms.ChoiceField(label=_("Transfer mode"), choices=TransferMode.choices)
    price = forms.DecimalField(
        label=_("Price or budget (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    negotiable = forms.BooleanField(label=_("Negotiable"), required=False)
    region = NamedChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    base = NamedChoiceField(label=_("Base or park"), queryset=Base.objects.all(), required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    expires_on = forms.DateField(label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}))

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["region"] = data["region"].pk if data.get("region") else None
        data["base"] = data["base"].pk if data.get("base") else None
        if not data["region"]:
            data.pop("region")
        return data


class MatchingListForm(_Form):
    period = forms.CharField(label=_("Period"), max_length=20, help_text=_("e.g. 2026-Q4"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)


class PairForm(_Form):
    demand = forms.IntegerField(label=_("Demand listing number"))
    supply = forms.IntegerField(label=_("Supply listing number"))


class DealForm(_Form):
    listing = forms.IntegerField(label=_("Listing number"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    field = forms.ChoiceField(label=_("Field"), choices=[("", "—"), *TechField.choices], required=False)
    contract_amount = forms.DecimalField(label=_("Contract amount (yuan)"), max_digits=14, decimal_places=2)
    registration_number = forms.CharField(label=_("Technology contract registration number"), max_length=40)
    buyer_name = forms.CharField(label=_("Buyer"), max_length=200)
    buyer_region = NamedChoiceField(
        label=_("Buyer region"),
        queryset=Region.objects.all(),
        required=False,
        help_text=_("Leave empty when the buyer is outside Beijing, Tianjin and Hebei"),
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))


class ValuationForm(_Form):
    institution = forms.IntegerField(label=_("Service institution (organization number)"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ValuationCompleteForm(_Form):
    result_value = forms.DecimalField(label=_("Valuation (yuan)"), max_digits=14, decimal_places=2)
    result_note = forms.CharField(
        label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    report = forms.FileField(label=_("Report"), required=False)


class ShowcaseForm(_Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Showcase starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Showcase ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    venue = forms.CharField(label=_("Venue or event"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ShowcaseFeatureForm(_Form):
    listing = forms.IntegerField(label=_("Supply listing number"), min_value=1)
    note = forms.CharField(label=_("Recommendation"), max_length=300, required=False)
