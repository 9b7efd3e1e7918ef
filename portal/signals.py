"""Sign-in, sign-out and failed sign-in go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
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
