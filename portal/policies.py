"""Row-level policies for the core's own records."""

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import (
    Attachment,
    AuditEntry,
    Deadline,
    ExportJob,
    Notification,
    Organization,
    Region,
    Role,
    WebhookDelivery,
    WebhookSubscription,
)
from .permissions import ALLOW, Policy, can, deny, is_platform_admin, official_province_id, register

__all__ = []


@register
class RegionPolicy(Policy):
    model = Region

    def scope(self, user, queryset, action="view"):
        return queryset  # public reference data


@register
class OrganizationPolicy(Policy):
    model = Organization

    def scope(self, user, queryset, action="view"):
        if action == "view":
            return queryset if user.is_authenticated else queryset.filter(verified=True)
        if is_platform_admin(user):
            return queryset
        return queryset.none()

    def can(self, user, action, obj):
        if action == "view":
            return ALLOW if (user.is_authenticated or obj.verified) else deny(_("Sign in first."))
        if action == "verify":
            province = official_province_id(user)
            if is_platform_admin(user) or (province and province == obj.province_id):
                return ALLOW
            return deny(_("Only officials of the organization's region may verify it."))
        return (
            ALLOW
            if is_platform_admin(user)
            else deny(_("Only system administrators may change organizations."))
        )


@register
class AuditEntryPolicy(Policy):
    model = AuditEntry

    def scope(self, user, queryset, action="view"):
        # Only the audit administrator reads the log; nobody changes it (the database refuses).
        if action == "view" and user.is_authenticated and user.has_role(Role.AUDITOR):
            return queryset
        return queryset.none()

    def can(self, user, action, obj):
        if action in ("view", "export") and user.is_authenticated and user.has_role(Role.AUDITOR):
            return ALLOW
        return deny(_("Only the audit administrator may read the audit log."))


@register
class NotificationPolicy(Policy):
    model = Notification

    def scope(self, user, queryset, action="view"):
        return queryset.filter(user_id=user.pk) if user.is_authenticated else queryset.none()

    def can(self, user, action, obj):
        return (
            ALLOW if user.is_authenticated and obj.user_id == user.pk else deny(_("Not your notification."))
        )


@register
class DeadlinePolicy(Policy):
    model = Deadline

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        q = Q(responsible_user_ids__contains=[user.pk])
        if user.organization_id:
            q |= Q(responsible_organization_id=user.organization_id) | Q(
                requester_organization_id=user.organization_id
            )
        if user.has_role(Role.REGION_COORDINATOR) and user.province_id:
            q |= Q(responsible_region_id=user.province_id)
        return queryset.filter(q)

    def can(self, user, action, obj):
        if action == "propose":
            if user.organization_id and obj.responsible_organization_id == user.organization_id:
                return ALLOW
            return deny(_("Only the party that must act may propose a new date."))
        if action == "answer_proposal":
            if user.organization_id and obj.requester_organization_id == user.organization_id:
                return ALLOW
            return deny(_("Only the requesting party may answer the proposal."))
        return super().can(user, action, obj)


@register
class AttachmentPolicy(Policy):
    model = Attachment

    def scope(self, user, queryset, action="view"):
        return queryset.none()  # attachments are always reached through their record

    def can(self, user, action, obj):
        return can(user, "view", obj.target)


@register
class WebhookSubscriptionPolicy(Policy):
    model = WebhookSubscription

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        return queryset.filter(organization_id=user.organization_id)

    def can(self, user, action, obj):
        if is_platform_admin(user) or (user.is_authenticated and obj.organization_id == user.organization_id):
            return ALLOW
        return deny(_("Only the subscribing organization may manage this subscription."))


@register
class WebhookDeliveryPolicy(Policy):
    model = WebhookDelivery

    def scope(self, user, queryset, action="view"):
        if not user.is_authenticated:
            return queryset.none()
        if is_platform_admin(user):
            return queryset
        return queryset.filter(subscription__organization_id=user.organization_id)

    def can(self, user, action, obj):
        if is_platform_admin(user) or (
            user.is_authenticated and obj.subscription.organization_id == user.organization_id
        ):
            return ALLOW
        return deny(_("Not your organization's webhook."))


@register
class ExportJobPolicy(Policy):
    model = ExportJob

    def scope(self, user, queryset, action="view"):
        return queryset.filter(user_id=user.pk) if user.is_authenticated else queryset.none()

    def can(self, user, action, obj):
        return ALLOW if user.is_authenticated and obj.user_id == user.pk else deny(_("Not your export."))
