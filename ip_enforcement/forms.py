"""Forms of this app's pages. They shape input; the services validate the rules and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import RecordChoiceField
from portal.models import PROVINCE_CODES, Region

from .models import AssistanceKind, InfringementType, IPType, JournalEntry
from .selectors import enforcement_agencies

__all__ = [
    "CaseForm",
    "ComplaintForm",
    "ReferralForm",
    "AssistanceForm",
    "JournalForm",
    "EvidenceForm",
]


def _widgets(form: forms.Form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class _Base(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _widgets(self)


class AgencyChoiceField(RecordChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.province.name} · {obj.name}"


class CaseForm(_Base):
    ip_type = forms.ChoiceField(label=_("IP type"), choices=IPType.choices)
    infringement_type = forms.ChoiceField(label=_("infringement type"), choices=InfringementType.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    summary = forms.CharField(label=_("summary"), widget=forms.Textarea(attrs={"rows": 4}))
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    place_region = RecordChoiceField(
        label=_("region of the place"),
        queryset=Region.objects.filter(code__in=PROVINCE_CODES),
        required=False,
    )
    right_holder_name = forms.CharField(label=_("right holder"), max_length=200)
    right_holder_uscc = forms.CharField(label=_("right holder's USCC"), max_length=18, required=False)
    infringer_name = forms.CharField(label=_("suspected infringer"), max_length=200)
    infringer_uscc = forms.CharField(label=_("suspected infringer's USCC"), max_length=18, required=False)
    infringer_id_number = forms.CharField(
        label=_("suspected infringer's ID number"),
        max_length=18,
        required=False,
        help_text=_("Only when the suspected infringer is a person; stored encrypted, shown masked."),
    )


class ComplaintForm(CaseForm):
    agency = AgencyChoiceField(label=_("agency the complaint is filed with"), queryset=enforcement_agencies())

    field_order = ["agency"]


class ReferralForm(_Base):
    to_agency = AgencyChoiceField(label=_("receiving agency"), queryset=enforcement_agencies())
    reason = forms.CharField(label=_("grounds for jurisdiction"), widget=forms.Textarea(attrs={"rows": 3}))


class AssistanceForm(_Base):
    to_agency = AgencyChoiceField(label=_("requested agency"), queryset=enforcement_agencies())
    kind = forms.ChoiceField(label=_("kind"), choices=AssistanceKind.choices)
    actions = forms.CharField(label=_("what is asked"), widget=forms.Textarea(attrs={"rows": 3}))


class JournalForm(_Base):
    kind = forms.ChoiceField(label=_("kind"), choices=JournalEntry.Kind.choices)
    text = forms.CharField(label=_("text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(_Base):
    description = forms.CharField(label=_("description"), max_length=300)
    file = forms.FileField(label=_("file"))
