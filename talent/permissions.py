"""Row-level policies (portal.permissions.Policy) for the talent app's records.

Who acts for a region here: its human-resources agency (人社局) — agency officers and partner systems
of an organization of kind agency with the human-resources domain — and the region's coordinators.
The full ID number is shown only to the two agencies involved in a request.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from portal.models import AgencyDomain, OrganizationKind, Role, User
from portal.permissions import ALLOW, Decision, Policy, deny, is_platform_admin, register

from .models import (
    Appointment,
    Certificate,
    Credential,
    Person,
    RecognitionRequest,
    RegistryEntry,
    RegistryImport,
    TitleSeries,
)

__all__ = [
    "talent_province_id",
    "is_hr_agency_member",
    "acts_for_agency",
    "may_see_id_number",
    "may_file",
]


def is_hr_agency_member(user: User) -> bool:
    """Officer, coordinator or partner system of a human-resources agency."""
    if not user.is_authenticated or not user.organization_id:
        return False
    if not user.has_role(Role.AGENCY_OFFICER, Role.REGION_COORDINATOR, Role.PARTNER_SYSTEM):
        return False
    org = user.organization
    return org.kind == OrganizationKind.AGENCY and org.agency_domain == AgencyDomain.HUMAN_RESOURCES


def talent_province_id(user: User) -> str | None:
    """The province whose talent records the user works on as an official (HR agency or coordinator)."""
    if not user.is_authenticated:
        return None
    if is_hr_agency_member(user) or user.has_role(Role.REGION_COORDINATOR):
        return user.province_id
    return None


def acts_for_agency(user: User, organization_id: int | None) -> bool:
    """Whether ``user`` may act for the HR agency ``organization_id`` (its officers and systems, or
    a coordinator of the agency's region)."""
    if not user.is_authenticated or organization_id is None:
        return False
    if is_hr_agency_member(user) and user.organization_id == organization_id:
        return True
    if user.has_role(Role.REGION_COORDINATOR) and user.province_id:
        from portal.models import Organization

        return Organization.objects.filter(pk=organization_id, province_id=user.province_id).exists()
    return False


def may_see_id_number(user: User, request: RecognitionRequest) -> bool:
    """Only members of the two agencies involved see the holder's full ID number."""
    return (
        user.is_authenticated
        and is_hr_agency_member(user)
        and user.organization_id in (request.host_agency_id, request.issuing_agency_id)
    )


def may_file(user: User) -> Decision:
    if not user.is_authenticated:
        return deny(_("Sign in first."))
    if user.is_official or user.has_role(Role.PARTNER_SYSTEM):
        return deny(_("Requests are filed by the holder or the employer, not by agencies."))
    return ALLOW


def _request_q(user: User, prefix: str = "") -> Q:
    province = talent_province_id(user)
    # the holder's own requests by a subquery, not a join: a list counts its first thousand without
    # reading the holders (with the join, 1–3 ms; bench, issue 10)
    own = Person.objects.filter(user_id=user.pk).values("pk")
    q = Q(**{f"{prefix}applicant_id": user.pk}) | Q(**{f"{prefix}person_id__in": own})
    if user.organization_id and not user.is_official:
        q |= Q(**{f"{prefix}applicant_organization_id": user.organization_id})
    if province:
        q |= Q(**{f"{prefix}host_region_id": province}) | Q(**{f"{prefix}issuing_region_id": province})
    return q


@register
class TitleSeriesPolicy(Policy):
    model = TitleSeries

    def scope(self, user, queryset, action="view"):
        return queryset if action == "view" else queryset.none()


@register
class RecognitionRequestPolicy(Policy):
    model = RecognitionRequest

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        return queryset.filter(_request_q(user))

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        if action == "attach":
            if user.is_authenticated and (
                obj.applicant_id == user.pk or acts_for_agency(user, obj.host_agency_id)
            ):
                return ALLOW
            return deny(_("Only the applicant or the host agency may add documents."))
        return deny(_("You may not do this."))


@register
class PersonPolicy(Policy):
    model = Person

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        province = talent_province_id(user)
        q = Q(user_id=user.pk) | Q(requests__applicant_id=user.pk)
        if user.organization_id and not user.is_official:
            q |= Q(employer_id=user.organization_id)
        if province:
            q |= (
                Q(requests__host_region_id=province)
                | Q(requests__issuing_region_id=province)
                | Q(appointments__home_region_id=province)
                | Q(appointments__host_region_id=province)
            )
        return queryset.filter(pk__in=queryset.model.objects.filter(q).values("pk"))


@register
class CredentialPolicy(Policy):
    model = Credential

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        return queryset.filter(person__in=PersonPolicy().scope(user, Person.objects.all(), action))

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        return deny(_("You may not do this."))


@register
class RegistryEntryPolicy(Policy):
    """A region's registry is looked up by its own agency; the others verify through requests."""

    model = RegistryEntry

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user):
            return queryset
        province = talent_province_id(user)
        return queryset.filter(region_id=province) if province else queryset.none()


@register
class RegistryImportPolicy(Policy):
    model = RegistryImport

    def scope(self, user, queryset, action="view"):
        if is_platform_admin(user):
            return queryset
        province = talent_province_id(user)
        return queryset.filter(region_id=province) if province else queryset.none()

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        return deny(_("You may not do this."))


@register
class CertificatePolicy(Policy):
    model = Certificate

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        return queryset.filter(_request_q(user, "request__"))

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        if action == "revoke":
            if acts_for_agency(user, obj.request.host_agency_id):
                return ALLOW
            return deny(_("Only the host region's agency may revoke a recognition."))
        return deny(_("You may not do this."))


@register
class AppointmentPolicy(Policy):
    model = Appointment

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        province = talent_province_id(user)
        q = Q(created_by_id=user.pk) | Q(person__user_id=user.pk)
        if user.organization_id and not user.is_official:
            q |= Q(home_organization_id=user.organization_id) | Q(host_organization_id=user.organization_id)
        if province:
            q |= Q(home_region_id=province) | Q(host_region_id=province)
        return queryset.filter(q)

    def can(self, user, action, obj):
        if action == "view":
            return super().can(user, action, obj)
        if action == "create":
            province = talent_province_id(user)
            if is_platform_admin(user):
                return ALLOW
            if (
                user.is_authenticated
                and not user.is_official
                and user.organization_id
                in (
                    obj.host_organization_id,
                    obj.home_organization_id,
                )
            ):
                return ALLOW
            if province and province in (obj.home_region_id, obj.host_region_id):
                return ALLOW
            return deny(_("Only the two organizations or their regions' agencies may record an appointment."))
        return deny(_("You may not do this."))
