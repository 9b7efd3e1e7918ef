"""Sign-in, sign-out and failed sign-in go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import audit


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        import time

        request.session["portal_login_at"] = time.time()
    audit.record(audit.AuditAction.LOGIN, user, actor=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.AuditAction.LOGOUT, user, actor=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit.record(
        audit.AuditAction.LOGIN_FAILED, None, message=f"username={credentials.get('username', '')[:100]}"
    )


@receiver(post_save, sender="portal.Holiday")
@receiver(post_delete, sender="portal.Holiday")
def _holiday_changed(sender, **kwargs):
    # An admin's edit of the holiday calendar counts from the next computation, not after the cache expires.
    from .deadlines import invalidate_holiday_cache

    invalidate_holiday_cache()
