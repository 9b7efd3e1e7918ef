"""Forms of this app's pages (input shape only: the services check the rules)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import RecordChoiceField, SuggestInput
from portal.permissions import official_province_id

from .models import CLAIM_DOCUMENTS, ClaimState, Provider, Service, ServiceCategory


class _Bootstrap:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ProgrammeForm(_Bootstrap, forms.Form):
    name = forms.CharField(label=_("Programme name"), max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    total_budget = forms.DecimalField(
        label=_("Total budget (yuan)"), max_digits=14, decimal_places=2, min_value=0.01
    )
    cap_per_enterprise = forms.DecimalField(
        label=_("Cap per enterprise (yuan)"), max_digits=14, decimal_places=2, min_value=0.01
    )
    subsidy_ratio = forms.DecimalField(
        label=_("Subsidy ratio"), max_digits=4, decimal_places=3, min_value=0.001, max_value=1
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    provider_regions = forms.MultipleChoiceField(
        label=_("Eligible provider regions"),
        choices=[("110000", _("Beijing")), ("120000", _("Tianjin")), ("130000", _("Hebei"))],
        initial=["110000", "120000", "130000"],
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("Eligible service categories"),
        choices=ServiceCategory.choices,
        initial=list(ServiceCategory.values),
        widget=forms.CheckboxSelectMultiple,
    )
    max_staff = forms.IntegerField(
        label=_("Fewer staff than"), required=False, min_value=1, max_value=2_147_483_646
    )
    max_revenue = forms.DecimalField(
        label=_("Or revenue under (yuan)"), required=False, max_digits=16, decimal_places=2, min_value=0
    )
    min_rd_ratio = forms.DecimalField(
        label=_("R&D spending at least (percent of sales)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("provider_regions", "categories"):
            self.fields[name].widget.attrs.pop("class", None)


class BudgetForm(_Bootstrap, forms.Form):
    total_budget = forms.DecimalField(
        label=_("New total budget (yuan)"), max_digits=14, decimal_places=2, min_value=0.01
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class CloseForm(_Bootstrap, forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApplyForm(_Bootstrap, forms.Form):
    amount = forms.DecimalField(
        label=_("Amount requested (yuan)"), max_digits=14, decimal_places=2, min_value=0.01
    )
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )


class ServiceForm(_Bootstrap, forms.Form):
    name = forms.CharField(label=_("Service or instrument"), max_length=200)
    model_number = forms.CharField(label=_("Model"), max_length=100, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=ServiceCategory.choices)
    unit_price = forms.DecimalField(
        label=_("Unit price (yuan)"), max_digits=14, decimal_places=2, min_value=0.01
    )
    unit = forms.CharField(label=_("Unit"), max_length=32)


class ServiceEditForm(ServiceForm):
    active = forms.BooleanField(label=_("Offered"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["active"].widget.attrs["class"] = "form-check-input"


class ServiceInput(SuggestInput):
    """A service's number, with suggestions by its name or model (``vouchers:service_suggest``): a
    select listed the whole catalogue on each voucher's page (5,000 services at the bench's scale,
    270 KB and 350 ms a page)."""

    suggest = "vouchers:service_suggest"
    placeholder = _("Service number, or type part of its name")


class BookForm(_Bootstrap, forms.Form):
    service = RecordChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        widget=ServiceInput,
        error_messages={"invalid_choice": _("No service on offer has the number %(value)s.")},
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=10, decimal_places=2, min_value=0.01, initial=1
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import offered_services

        self.fields["service"].queryset = offered_services(user=user)


class FileClaimForm(_Bootstrap, forms.Form):
    amount = forms.DecimalField(
        label=_("Amount claimed (yuan)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty to claim the most the voucher allows."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CLAIM_DOCUMENTS.items():
            self.fields[key] = forms.FileField(label=label, required=True)
            self.fields[key].widget.attrs["class"] = "form-control"


class ConfirmForm(_Bootstrap, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"), coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)]
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class BatchForm(_Bootstrap, forms.Form):
    provider = RecordChoiceField(label=_("Provider"), queryset=Provider.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        province = official_province_id(user)
        self.fields["provider"].queryset = (
            Provider.objects.filter(
                claims__state=ClaimState.APPROVED,
                claims__batch__isnull=True,
                claims__issuing_region_id=province,
            )
            .select_related("organization")
            .distinct()
        )
