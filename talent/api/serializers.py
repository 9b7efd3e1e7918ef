"""Serializers of the talent API. ID numbers are masked unless the user is one of the two agencies
involved in the request (talent.permissions.may_see_id_number) and reads that one request."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from portal.api.representation import PortalModelSerializer
from portal.models import PROVINCE_CHOICES
from portal.validators import mask_phone, validate_id_number

from ..models import (
    Appointment,
    Certificate,
    CredentialKind,
    RecognitionRequest,
    RegistryEntry,
    RegistryImport,
    TitleLevel,
    mask_name,
)
from ..permissions import may_see_id_number

__all__ = [
    "RecognitionRequestSerializer",
    "RecognitionRequestRowSerializer",
    "RecognitionRequestCreateSerializer",
    "CertificateSerializer",
    "CertificateVerificationSerializer",
    "AppointmentSerializer",
    "AppointmentCreateSerializer",
    "RegistryEntrySerializer",
    "RegistryImportSerializer",
]

CERTIFIED_STATES = ("recognized", "revoked")  # a certificate's code is shown only in these


def _id_number(value: str) -> str:
    try:
        validate_id_number(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None
    return value


class RecognitionRequestSerializer(PortalModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    holder = serializers.SerializerMethodField()
    credential = serializers.SerializerMethodField()
    host_agency = serializers.CharField(source="host_agency.name", read_only=True)
    issuing_agency = serializers.CharField(source="issuing_agency.name", read_only=True)
    verified_by_registry = serializers.SerializerMethodField()
    next_due = serializers.DateTimeField(read_only=True, allow_null=True, default=None)
    certificate_code = serializers.SerializerMethodField()

    class Meta:
        model = RecognitionRequest
        fields = [
            "id",
            "reference",
            "state",
            "state_display",
            "holder",
            "credential",
            "host_region",
            "issuing_region",
            "host_agency",
            "issuing_agency",
            "verified_by_registry",
            "verification_note",
            "decision_reason",
            "tacit",
            "next_due",
            "certificate_code",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_holder(self, obj) -> dict:
        request = self.context.get("request")
        full = (
            self.context.get("reveal_id_number")
            and request is not None
            and may_see_id_number(request.user, obj)
        )
        return {
            "name": obj.person.name,
            "id_number": obj.person.reveal_id_number() if full else obj.person.id_number_masked,
            "contact": obj.person.contact if full else obj.person.contact_masked,
        }

    def get_credential(self, obj) -> dict:
        c = obj.credential
        return {
            "kind": c.kind,
            "series": c.series.code if c.series_id else None,
            "level": c.level,
            "name": c.name,
            "specialty": c.specialty,
            "issuing_authority": c.issuing_authority,
            "certificate_number": c.certificate_number,
            "issued_on": c.issued_on.isoformat(),
        }

    def get_verified_by_registry(self, obj) -> bool:
        return obj.registry_entry_id is not None

    def get_certificate_code(self, obj) -> str | None:
        cert = getattr(obj, "certificate", None) if obj.state in CERTIFIED_STATES else None
        return cert.code if cert else None


class RecognitionRequestRowSerializer(RecognitionRequestSerializer):
    """A request as the list shows it, from the columns of talent.selectors.request_rows (the
    holder's, credential's, agencies' and certificate's values are columns of the row, not joined
    objects). The list never reveals an ID number; tests hold every row equal to the detail."""

    host_agency = serializers.CharField(source="host_agency_name", read_only=True)
    issuing_agency = serializers.CharField(source="issuing_agency_name", read_only=True)

    def get_holder(self, obj) -> dict:
        return {
            "name": obj.person_name,
            "id_number": obj.person_id_number_masked,
            "contact": mask_phone(obj.person_contact),
        }

    def get_credential(self, obj) -> dict:
        return {
            "kind": obj.credential_kind,
            "series": obj.credential_series_code,
            "level": obj.credential_level,
            "name": obj.credential_name,
            "specialty": obj.credential_specialty,
            "issuing_authority": obj.credential_issuing_authority,
            "certificate_number": obj.credential_certificate_number,
            "issued_on": obj.credential_issued_on.isoformat(),
        }

    def get_certificate_code(self, obj) -> str | None:
        return obj.certificate_code if obj.state in CERTIFIED_STATES else None


class RecognitionRequestCreateSerializer(serializers.Serializer):
    person_name = serializers.CharField(max_length=64)
    id_number = serializers.CharField(max_length=18, validators=[_id_number])
    contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    for_self = serializers.BooleanField(required=False, default=False)
    kind = serializers.ChoiceField(choices=CredentialKind.choices)
    series = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    level = serializers.ChoiceField(choices=TitleLevel.choices, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=100)
    specialty = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    issuing_region = serializers.ChoiceField(choices=PROVINCE_CHOICES)
    issuing_authority = serializers.CharField(max_length=200)
    certificate_number = serializers.CharField(max_length=64)
    issued_on = serializers.DateField()
    host_region = serializers.ChoiceField(choices=PROVINCE_CHOICES, required=False)
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class CertificateSerializer(PortalModelSerializer):
    reference = serializers.CharField(source="request.reference", read_only=True)
    holder = serializers.SerializerMethodField()
    credential = serializers.CharField(source="request.credential.name", read_only=True)
    recognized_in = serializers.CharField(source="request.host_region_id", read_only=True)
    valid = serializers.BooleanField(source="is_valid", read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "code",
            "reference",
            "holder",
            "credential",
            "recognized_in",
            "issued_at",
            "valid",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_holder(self, obj) -> str:
        return mask_name(obj.request.person.name)


class CertificateVerificationSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=["valid", "revoked"])
    valid = serializers.BooleanField()
    holder = serializers.CharField()
    credential = serializers.CharField()
    credential_kind = serializers.CharField()
    level = serializers.CharField()
    recognized_in = serializers.CharField()
    recognized_on = serializers.DateField()
    revoked_on = serializers.DateField(allow_null=True)
    id_number_matches = serializers.BooleanField(allow_null=True)


class AppointmentSerializer(PortalModelSerializer):
    person = serializers.SerializerMethodField()
    home_organization_name = serializers.CharField(source="home_organization.name", read_only=True)
    host_organization_name = serializers.CharField(source="host_organization.name", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "person",
            "home_organization",
            "home_organization_name",
            "home_region",
            "host_organization",
            "host_organization_name",
            "host_region",
            "role",
            "start_date",
            "end_date",
            "created_at",
        ]
        read_only_fields = fields

    def get_person(self, obj) -> dict:
        return {"name": obj.person.name, "id_number": obj.person.id_number_masked}


class AppointmentCreateSerializer(serializers.Serializer):
    person_name = serializers.CharField(max_length=64)
    id_number = serializers.CharField(max_length=18, validators=[_id_number])
    home_organization = serializers.IntegerField()
    host_organization = serializers.IntegerField()
    role = serializers.CharField(max_length=100)
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class RegistryEntrySerializer(PortalModelSerializer):
    series = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = RegistryEntry
        fields = [
            "id",
            "region",
            "certificate_number",
            "holder_name",
            "id_number_masked",
            "kind",
            "series",
            "level",
            "name",
            "specialty",
            "issuing_authority",
            "issued_on",
            "revoked",
        ]
        read_only_fields = fields


class RegistryImportSerializer(PortalModelSerializer):
    progress = serializers.IntegerField(read_only=True)

    class Meta:
        model = RegistryImport
        fields = [
            "id",
            "region",
            "file_name",
            "status",
            "total",
            "done",
            "succeeded",
            "failed",
            "progress",
            "errors",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
