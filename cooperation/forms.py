"""Forms of this app's pages. They shape the input; the services check the rules."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from portal.forms import OrganizationField, OrganizationInput, OrganizationsField, RecordChoiceField
from portal.models import Role, User

from .models import SCORE_MAX, ConsortiumKind, KeyField

__all__ = [
    "ProgrammeForm",
    "ApplicationForm",
    "ParticipantForm",
    "ParticipantFormSet",
    "ReviewForm",
    "AssignExpertForm",
    "MilestoneForm",
    "ReportScheduleForm",
    "ReportSubmitForm",
    "DisbursementForm",
    "ConsortiumForm",
    "AttachmentForm",
    "ConsortiumMemberForm",
]

_input = {"class": "form-control"}
_select = {"class": "form-select"}


class ProgrammeForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=2000, max_value=2100, widget=forms.NumberInput(_input)
    )
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(_input))
    guide = forms.CharField(label=_("Guide"), required=False, widget=forms.Textarea({**_input, "rows": 4}))
    opens_at = forms.DateTimeField(
        label=_("Applications open"),
        widget=forms.DateTimeInput({**_input, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes_at = forms.DateTimeField(
        label=_("Applications close"),
        widget=forms.DateTimeInput({**_input, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    min_regions = forms.TypedChoiceField(
        label=_("Minimum regions per team"),
        choices=[(2, "2"), (3, "3")],
        coerce=int,
        widget=forms.Select(_select),
    )
    funding_cap = forms.DecimalField(
        label=_("Funding cap per project (yuan)"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(_input),
    )
    budget_110000 = forms.DecimalField(
        label=_("Budget committed by Beijing (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(_input),
    )
    budget_120000 = forms.DecimalField(
        label=_("Budget committed by Tianjin (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(_input),
    )
    budget_130000 = forms.DecimalField(
        label=_("Budget committed by Hebei (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(_input),
    )
    topics = forms.CharField(
        label=_("Topics"),
        widget=forms.Textarea({**_input, "rows": 4}),
        help_text=_("One per line: code | title | key field (%(fields)s) | description (optional)")
        % {"fields": ", ".join(KeyField.values)},
    )

    @classmethod
    def initial_for(cls, programme) -> dict:
        """The form's values for an existing programme (to change its draft)."""
        initial = {
            "year": programme.year,
            "title": programme.title,
            "guide": programme.guide,
            "opens_at": programme.opens_at,
            "closes_at": programme.closes_at,
            "min_regions": programme.min_regions,
            "funding_cap": programme.funding_cap,
            "topics": "\n".join(
                " | ".join([t.code, t.title, t.field, *([t.description] if t.description else [])])
                for t in programme.topics.all()
            ),
        }
        for share in programme.region_shares.all():
            initial[f"budget_{share.region_id}"] = share.budget
        return initial

    def programme_data(self) -> dict:
        """The keyword arguments of create_programme / update_programme, from the cleaned form."""
        d = self.cleaned_data
        return {
            **{
                k: d[k]
                for k in ("year", "title", "guide", "opens_at", "closes_at", "min_regions", "funding_cap")
            },
            "region_budgets": self.region_budgets(),
            "topics": self.topic_rows(),
        }

    def region_budgets(self) -> dict:
        return {
            code: self.cleaned_data[f"budget_{code}"]
            for code in ("110000", "120000", "130000")
            if self.cleaned_data.get(f"budget_{code}") is not None
        }

    def topic_rows(self) -> list[dict]:
        rows = []
        for line in self.cleaned_data["topics"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            rows.append(
                {
                    "code": parts[0],
                    "title": parts[1] if len(parts) > 1 else "",
                    "field": parts[2] if len(parts) > 2 else "",
                    "description": " | ".join(parts[3:]),
                }
            )
        return rows


class ApplicationForm(forms.Form):
    topic = RecordChoiceField(label=_("Topic"), queryset=None, widget=forms.Select(_select))
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(_input))
    research_plan = forms.CharField(
        label=_("Research plan"), required=False, widget=forms.Textarea({**_input, "rows": 6})
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = programme.topics.all()


class ParticipantForm(forms.Form):
    organization = OrganizationField(label=_("Organization"), required=False)
    principal_investigator = forms.CharField(
        label=_("Principal investigator"), max_length=100, required=False, widget=forms.TextInput(_input)
    )
    budget = forms.DecimalField(
        label=_("Budget (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(_input),
    )


ParticipantFormSet = formset_factory(ParticipantForm, extra=0, min_num=4, max_num=12)


class ReviewForm(forms.Form):
    innovation = forms.IntegerField(
        label=_("Innovation"), min_value=0, max_value=SCORE_MAX, widget=forms.NumberInput(_input)
    )
    feasibility = forms.IntegerField(
        label=_("Feasibility"), min_value=0, max_value=SCORE_MAX, widget=forms.NumberInput(_input)
    )
    team = forms.IntegerField(
        label=_("Team"), min_value=0, max_value=SCORE_MAX, widget=forms.NumberInput(_input)
    )
    collaboration = forms.IntegerField(
        label=_("Regional collaboration"), min_value=0, max_value=SCORE_MAX, widget=forms.NumberInput(_input)
    )
    comments = forms.CharField(label=_("Comments"), widget=forms.Textarea({**_input, "rows": 4}))


class _ExpertChoice(RecordChoiceField):
    def label_from_instance(self, obj):
        org = obj.organization
        where = f"{org.name} ({org.province.name})" if org is not None else "—"
        fields = "、".join(str(KeyField(f.field).label) for f in obj.coop_fields.all())
        return f"{obj} · {where}" + (f" · {fields}" if fields else "")


class AssignExpertForm(forms.Form):
    """Experts with their organization and key fields. For an application, experts of the team's
    organizations are left out, and so are experts whose declared fields exclude the topic's field
    (experts who declared none stay)."""

    expert = _ExpertChoice(label=_("Expert"), queryset=User.objects.none(), widget=forms.Select(_select))

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ExpertField, Participant

        qs = (
            User.objects.filter(is_active=True, memberships__role=Role.EXPERT_REVIEWER)
            .select_related("organization__province")
            .prefetch_related("coop_fields")
            .order_by("username")
        )
        self.fields["expert"].queryset = qs
        if application is not None:
            # the list offers the candidates only; any expert posted is checked by the service, which
            # names the conflict of interest
            candidates = qs.exclude(
                organization_id__in=Participant.objects.filter(application=application).values(
                    "organization_id"
                )
            ).exclude(
                Q(pk__in=ExpertField.objects.values("expert_id"))
                & ~Q(pk__in=ExpertField.objects.filter(field=application.topic.field).values("expert_id"))
            )
            self.fields["expert"].widget.choices = _ExpertChoice(queryset=candidates).choices


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200, widget=forms.TextInput(_input))
    due_date = forms.DateField(label=_("Due"), widget=forms.DateInput({**_input, "type": "date"}))


class ReportScheduleForm(forms.Form):
    period = forms.CharField(label=_("Period"), max_length=50, widget=forms.TextInput(_input))
    due_date = forms.DateField(label=_("Due"), widget=forms.DateInput({**_input, "type": "date"}))


class ReportSubmitForm(forms.Form):
    content = forms.CharField(label=_("Progress report"), widget=forms.Textarea({**_input, "rows": 4}))


class DisbursementForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, widget=forms.NumberInput(_input)
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput({**_input, "type": "date"}))


class ConsortiumForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ConsortiumKind.choices, widget=forms.Select(_select))
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(_input))
    field = forms.ChoiceField(label=_("Key field"), choices=KeyField.choices, widget=forms.Select(_select))
    lead_organization = OrganizationField(label=_("Lead organization"))
    members = OrganizationsField(
        label=_("Members"),
        required=False,
        help_text=_("Credit codes, one per line; members can also be added on the consortium's page."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea({**_input, "rows": 3})
    )


class ConsortiumMemberForm(forms.Form):
    """An organization to add to ``consortium``. ``province``: the region whose organizations the
    box suggests (an official outside the lead's region adds their own region's); whether the
    official may add the one posted is the service's to say (refused and audited)."""

    organization = OrganizationField(label=_("Organization"))

    def __init__(self, *args, consortium=None, province=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        if consortium is not None:
            field.queryset = field.queryset.exclude(pk__in=consortium.members.values("organization_id"))
        if province is not None:
            field.widget = OrganizationInput(province=province)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"), widget=forms.ClearableFileInput(_input))
