"""Django admin for the talent app's records (system administrator only). ID numbers appear masked."""

from django.contrib import admin

from portal.admin import PlatformAdminOnly

from .models import (
    Appointment,
    Certificate,
    Credential,
    Person,
    RecognitionRequest,
    RegistryEntry,
    TitleSeries,
)

__all__ = []


@admin.register(TitleSeries)
class TitleSeriesAdmin(PlatformAdminOnly):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name"]


@admin.register(Person)
class PersonAdmin(PlatformAdminOnly):
    list_display = ["__str__", "id_number_masked", "employer"]
    readonly_fields = ["id_number_masked"]
    exclude = ["id_number_encrypted", "id_number_hash"]
    raw_id_fields = ["employer", "user"]


@admin.register(Credential)
class CredentialAdmin(PlatformAdminOnly):
    list_display = ["certificate_number", "name", "kind", "level", "issuing_region", "issued_on"]
    list_filter = ["kind", "issuing_region"]
    search_fields = ["certificate_number"]
    raw_id_fields = ["person"]


@admin.register(RegistryEntry)
class RegistryEntryAdmin(PlatformAdminOnly):
    list_display = ["certificate_number", "region", "name", "id_number_masked", "revoked"]
    list_filter = ["region", "kind", "revoked"]
    search_fields = ["certificate_number"]
    exclude = ["id_number_hash"]
    raw_id_fields = ["source"]


@admin.register(RecognitionRequest)
class RecognitionRequestAdmin(PlatformAdminOnly):
    list_display = ["reference", "state", "issuing_region", "host_region", "created_at"]
    list_filter = ["state", "host_region", "issuing_region"]
    search_fields = ["reference"]
    readonly_fields = ["state"]
    raw_id_fields = ["person", "credential", "applicant", "applicant_organization", "registry_entry"]


@admin.register(Certificate)
class CertificateAdmin(PlatformAdminOnly):
    list_display = ["code", "issued_at", "revoked_at"]
    search_fields = ["code"]
    raw_id_fields = ["request"]


@admin.register(Appointment)
class AppointmentAdmin(PlatformAdminOnly):
    list_display = ["person", "home_organization", "host_organization", "role", "start_date", "end_date"]
    raw_id_fields = ["person", "home_organization", "host_organization"]
