"""OAuth2 for partner systems. A client-credentials token carries no user (django-oauth-toolkit stores
``user=None``): the partner system then acts as its application's service account, a user holding
``Role.PARTNER_SYSTEM`` in the partner's organization, so row-level scoping applies to it as to anyone."""

from django.utils.translation import gettext as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.exceptions import AuthenticationFailed

from portal.models import Role

__all__ = ["PortalOAuth2Authentication"]


class PortalOAuth2Authentication(OAuth2Authentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        if user is None and token is not None and token.application_id:
            user = token.application.user
            if user is None or not user.is_active or not user.has_role(Role.PARTNER_SYSTEM):
                raise AuthenticationFailed(_("This application has no active partner-system account."))
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("The token's user is inactive."))
        return user, token


def _schema_extension():
    from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme

    class PortalOAuth2Scheme(DjangoOAuthToolkitScheme):
        target_class = PortalOAuth2Authentication
        match_subclasses = True

    return PortalOAuth2Scheme


PortalOAuth2Scheme = _schema_extension()
