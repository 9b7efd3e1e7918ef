"""The portal's authentication backend."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

from .models import Membership

__all__ = ["PortalModelBackend"]


class PortalModelBackend(ModelBackend):
    """Django's ModelBackend, loading the signed-in user with their organization and roles: the
    policies of nearly every request read them (the organization's kind and province, the roles),
    which cost three more queries each time."""

    def get_user(self, user_id):
        User = get_user_model()  # noqa: N806
        roles = ArraySubquery(Membership.objects.filter(user=OuterRef("pk")).values("role"))
        try:
            user = (
                User._default_manager.select_related("organization").annotate(role_list=roles).get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        if user.is_active:  # as User.role_set reads them
            user.__dict__["role_set"] = frozenset(user.role_list)
        return user if self.user_can_authenticate(user) else None
