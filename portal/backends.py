"""The portal's authentication backend."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

__all__ = ["PortalModelBackend"]


class PortalModelBackend(ModelBackend):
    """Django's ModelBackend, loading the signed-in user with their organization: the policies of
    nearly every request read it (its kind, its province), which cost two more queries each time."""

    def get_user(self, user_id):
        User = get_user_model()  # noqa: N806
        try:
            user = User._default_manager.select_related("organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
