"""The account the portal acts as when a rule, not a person, takes a step (expiry, tacit recognition).
Such steps go through the same workflow, audit and outbox as anyone's; this account can never sign in."""

from __future__ import annotations

from .models import User

__all__ = ["SYSTEM_USERNAME", "system_actor", "is_system_actor"]

SYSTEM_USERNAME = "portal-system"


def system_actor() -> User:
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"display_name": "京津冀协同创新平台（系统）", "is_active": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system_actor(user) -> bool:
    return bool(user is not None and getattr(user, "username", None) == SYSTEM_USERNAME)
