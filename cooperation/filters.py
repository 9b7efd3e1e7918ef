"""django-filter FilterSets for this app's lists (pages and API)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from portal.filters import RecordNumberFilter

from .models import (
    Application,
    ApplicationState,
    Consortium,
    ConsortiumKind,
    ConsortiumStatus,
    KeyField,
    Programme,
    ProgrammeState,
    ProgressReport,
    Project,
    ProjectState,
    ReportState,
    Review,
    ReviewState,
    Topic,
)

__all__ = [
    "ProgrammeFilterSet",
    "TopicFilterSet",
    "ApplicationFilterSet",
    "ReviewFilterSet",
    "ProjectFilterSet",
    "ReportFilterSet",
    "ConsortiumFilterSet",
]

REGION_CHOICES = [("110000", _("Beijing")), ("120000", _("Tianjin")), ("130000", _("Hebei"))]


class ProgrammeFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    state = django_filters.ChoiceFilter(choices=ProgrammeState.choices, label=_("State"))
    region = django_filters.ChoiceFilter(choices=REGION_CHOICES, label=_("Region"), method="filter_region")
    field = django_filters.ChoiceFilter(choices=KeyField.choices, label=_("Key field"), method="filter_field")

    class Meta:
        model = Programme
        fields = ["year", "state"]

    def filter_region(self, qs, name, value):
        return qs.filter(region_shares__region_id=value)

    def filter_field(self, qs, name, value):
        return qs.filter(pk__in=Topic.objects.filter(field=value).values("programme_id"))


class TopicFilterSet(django_filters.FilterSet):
    field = django_filters.ChoiceFilter(choices=KeyField.choices, label=_("Key field"))

    class Meta:
        model = Topic
        fields = ["programme", "field"]


class ApplicationFilterSet(django_filters.FilterSet):
    programme = RecordNumberFilter(field_name="programme_id", label=_("Programme"))
    topic = RecordNumberFilter(field_name="topic_id", label=_("Topic"))
    state = django_filters.ChoiceFilter(choices=ApplicationState.choices, label=_("State"))
    field = django_filters.ChoiceFilter(
        field_name="topic__field", choices=KeyField.choices, label=_("Key field")
    )
    region = django_filters.ChoiceFilter(choices=REGION_CHOICES, label=_("Region"), method="filter_region")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Title contains"))

    class Meta:
        model = Application
        fields = ["programme", "topic", "state"]

    def filter_region(self, qs, name, value):
        return qs.filter(pk__in=Application.objects.filter(participants__province_id=value).values("pk"))


class ReviewFilterSet(django_filters.FilterSet):
    # By number, not a list to pick from: a list would name every application of every programme to
    # every reviewer (fifty thousand options at the scale of the bench, 1.3 s a page; issue 10).
    application = RecordNumberFilter(field_name="application_id", label=_("Application number"))
    programme = RecordNumberFilter(field_name="application__programme_id", label=_("Programme"))
    topic = RecordNumberFilter(field_name="application__topic_id", label=_("Topic"))
    state = django_filters.ChoiceFilter(choices=ReviewState.choices, label=_("State"))
    field = django_filters.ChoiceFilter(
        field_name="application__topic__field", choices=KeyField.choices, label=_("Key field")
    )

    class Meta:
        model = Review
        fields = ["application", "state"]


class ProjectFilterSet(django_filters.FilterSet):
    programme = RecordNumberFilter(field_name="programme_id", label=_("Programme"))
    state = django_filters.ChoiceFilter(choices=ProjectState.choices, label=_("State"))
    field = django_filters.ChoiceFilter(
        field_name="application__topic__field", choices=KeyField.choices, label=_("Key field")
    )
    region = django_filters.ChoiceFilter(choices=REGION_CHOICES, label=_("Region"), method="filter_region")

    class Meta:
        model = Project
        fields = ["programme", "state"]

    def filter_region(self, qs, name, value):
        return qs.filter(
            application__in=Application.objects.filter(participants__province_id=value).values("pk")
        )


class ReportFilterSet(django_filters.FilterSet):
    # By number, as ReviewFilterSet.application: not a list of every project.
    project = RecordNumberFilter(field_name="project_id", label=_("Project number"))
    state = django_filters.ChoiceFilter(choices=ReportState.choices, label=_("State"))

    class Meta:
        model = ProgressReport
        fields = ["project", "state"]


class ConsortiumFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ConsortiumKind.choices, label=_("Kind"))
    field = django_filters.ChoiceFilter(choices=KeyField.choices, label=_("Key field"))
    status = django_filters.ChoiceFilter(choices=ConsortiumStatus.choices, label=_("Status"))
    region = django_filters.ChoiceFilter(choices=REGION_CHOICES, label=_("Region"), method="filter_region")

    class Meta:
        model = Consortium
        fields = ["kind", "field", "status"]

    def filter_region(self, qs, name, value):
        return qs.filter(pk__in=Consortium.objects.filter(members__province_id=value).values("pk"))
