"""Django admin for this app's records (system administrators only)."""

from django.contrib import admin

from portal.admin import PlatformAdminOnly

from .models import (
    Application,
    Consortium,
    ConsortiumMember,
    ExpertField,
    Participant,
    Programme,
    ProgrammeRegion,
    Project,
    Review,
    Topic,
)


class ProgrammeRegionInline(admin.TabularInline):
    model = ProgrammeRegion
    extra = 0
    readonly_fields = ["allocated"]


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(PlatformAdminOnly):
    list_display = ["year", "title", "lead_region", "state", "closes_at"]
    list_filter = ["state", "year", "lead_region"]
    search_fields = ["title"]
    inlines = [ProgrammeRegionInline, TopicInline]
    readonly_fields = ["state"]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0


@admin.register(Application)
class ApplicationAdmin(PlatformAdminOnly):
    list_display = ["title", "programme", "topic", "lead_organization", "state", "submitted_at"]
    list_filter = ["state", "programme"]
    search_fields = ["title"]
    list_select_related = ["programme", "topic", "lead_organization"]
    inlines = [ParticipantInline]
    readonly_fields = ["state"]


@admin.register(Review)
class ReviewAdmin(PlatformAdminOnly):
    list_display = ["application", "expert", "state"]
    list_filter = ["state"]
    list_select_related = ["application", "expert"]
    readonly_fields = ["state"]


@admin.register(Project)
class ProjectAdmin(PlatformAdminOnly):
    list_display = ["code", "title", "lead_organization", "state"]
    list_filter = ["state"]
    search_fields = ["code", "title"]
    readonly_fields = ["state"]


class ConsortiumMemberInline(admin.TabularInline):
    model = ConsortiumMember
    extra = 0


@admin.register(Consortium)
class ConsortiumAdmin(PlatformAdminOnly):
    list_display = ["name", "kind", "field", "lead_organization", "status"]
    list_filter = ["kind", "field", "status"]
    search_fields = ["name"]
    inlines = [ConsortiumMemberInline]
    readonly_fields = ["status"]


@admin.register(ExpertField)
class ExpertFieldAdmin(PlatformAdminOnly):
    list_display = ["expert", "field"]
    list_filter = ["field"]
    search_fields = ["expert__username", "expert__display_name"]
    autocomplete_fields = ["expert"]
