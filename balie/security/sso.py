"""Sign-in with the library's own accounts: django-allauth's OpenID Connect login (Microsoft
Entra ID, Google Workspace, …), bent to Balie's rules.

- Each organisation's provider is an `orgs.SingleSignOn` row, which allauth sees as a
  `SocialApp` (provider `openid_connect`, `provider_id` per organisation) through
  `SocialAccountAdapter.list_apps`; the callback is the only allauth URL Balie serves.
- A login is matched on the e-mail address the provider says it verified, to an existing active
  person with a role in that organisation (or a branch under it); a first login links the
  provider's subject (`SocialAccount.uid`) to that person. Nobody is ever created: otherwise the
  person is sent back to the login page with the reason, and nothing is stored.
- Django's `user_logged_in` and `user_login_failed` signals are sent as for a password: the
  audit log, the lockout (django-axes) and Balie's own two-step verification hear them.
"""

from __future__ import annotations

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialLogin
from allauth.socialaccount.providers.base.constants import AuthError
from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from balie.orgs.models import Membership, Organisation, SingleSignOn, User
from balie.security.client import clean_email, client_ip

logger = logging.getLogger("balie.security")

PROVIDER = "openid_connect"
# The session remembers the backend that logged the person in; allauth's own is not installed.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def social_app(sign_on: SingleSignOn) -> SocialApp:
    """The organisation's provider as allauth knows one (not stored in allauth's table)."""
    return SocialApp(
        provider=PROVIDER,
        provider_id=sign_on.provider_id,
        name=sign_on.organisation.name,
        client_id=sign_on.client_id,
        secret=sign_on.secret,
        # The person's claims from the ID token alone: it is checked (issuer, audience, expiry),
        # and Entra ID puts its optional claims there, not in its userinfo answer.
        settings={"server_url": sign_on.issuer, "fetch_userinfo": False},
    )


def is_verified(sociallogin: SocialLogin) -> bool:
    """Whether the provider vouches for the address: `email_verified` (Google and most
    providers), or Entra ID's optional claim `xms_edov` (the domain's owner verified it)."""
    address = sociallogin.email_addresses[0]
    claims = sociallogin.account.extra_data.get("id_token") or {}
    return address.verified or str(claims.get("xms_edov")).lower() in {"true", "1"}


def refuse(request: HttpRequest, message: str, *, reason: str, email: str = "") -> None:
    """Back to the login page with the reason; a refusal after the provider named someone is a
    failed login, for the audit log and the lockout."""
    logger.warning("sso login refused reason=%s ip=%s", reason, client_ip(request))
    if email:
        user_login_failed.send(sender=__name__, credentials={"username": email}, request=request)
    messages.error(request, message)
    raise ImmediateHttpResponse(redirect("login"))


def member_of(user: User, organisation: Organisation) -> bool:
    return Membership.objects.filter(
        Q(organisation=organisation)
        | Q(branch=organisation)
        | Q(organisation__parent=organisation, organisation__kind=Organisation.Kind.BRANCH),
        user=user,
    ).exists()


class AccountAdapter(DefaultAccountAdapter):
    """allauth's account side: no signup, no messages of its own, Django's model backend."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def add_message(self, *args, **kwargs) -> None:
        """allauth's messages speak of its own pages, which Balie does not have."""

    def login(self, request: HttpRequest, user: User) -> None:
        user.backend = MODEL_BACKEND
        super().login(request, user)

    def respond_user_inactive(self, request: HttpRequest, user: User) -> HttpResponse:
        # SocialAccountAdapter.pre_social_login refuses an inactive person first.
        messages.error(request, _("Your Balie account is switched off. Ask your manager."))
        return redirect("login")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request: HttpRequest, provider=None, client_id=None) -> list[SocialApp]:
        sign_ons = SingleSignOn.objects.select_related("organisation")
        if provider and provider != PROVIDER:
            sign_ons = sign_ons.filter(provider_id=provider)
        if client_id:
            sign_ons = sign_ons.filter(client_id=client_id)
        return [social_app(sign_on) for sign_on in sign_ons]

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Log in an existing person of the provider's organisation, or refuse."""
        sign_on = SingleSignOn.objects.select_related("organisation").get(
            provider_id=sociallogin.account.provider
        )
        organisation = sign_on.organisation
        address = sociallogin.email_addresses[0] if sociallogin.email_addresses else None
        email = clean_email(address.email) if address else ""
        if not email:
            refuse(
                request,
                _("Your library's account did not tell Balie your e-mail address."),
                reason="no_email",
            )
        if not is_verified(sociallogin):
            refuse(
                request,
                _(
                    "Your library has not confirmed the e-mail address %(email)s. Log in with "
                    "your password, or ask your library's IT department."
                )
                % {"email": email},
                reason="unverified",
                email=email,
            )
        user = User.objects.filter(email=email).first()
        if (
            email.rpartition("@")[2] not in sign_on.domains
            or user is None
            or not member_of(user, organisation)
        ):
            refuse(
                request,
                _(
                    "There is no Balie account for %(email)s at %(organisation)s. Ask your "
                    "manager to add you."
                )
                % {"email": email, "organisation": organisation},
                reason="unknown",
                email=email,
            )
        if not user.is_active:
            refuse(
                request,
                _("Your Balie account is switched off. Ask your manager."),
                reason="inactive",
                email=email,
            )
        linked = SocialAccount.objects.filter(user=user, provider=sign_on.provider_id)
        if linked.exclude(uid=sociallogin.account.uid).exists() or (
            sociallogin.is_existing and sociallogin.user.pk != user.pk
        ):
            # Another account of the provider already is this person, or this account is
            # someone else: an address passed on to a new colleague.
            refuse(
                request,
                _(
                    "Your library's account belongs to another person in Balie. Ask the "
                    "administrator of Balie."
                ),
                reason="linked_elsewhere",
                email=email,
            )
        # Keep only the address it was matched on; the subject is the account's uid.
        sociallogin.account.extra_data = {"email": email}
        if sociallogin.is_existing:
            sociallogin.account.save(update_fields=["extra_data"])
            sociallogin.user = user
        else:
            sociallogin.connect(request, user)
            logger.info("sso account linked user=%s provider=%s", user.pk, sign_on.provider_id)

    def on_authentication_error(
        self, request: HttpRequest, provider, error=None, exception=None, extra_context=None
    ) -> None:
        """The provider refused, the person cancelled, or the answer did not check out (state,
        ID token): back to the login page."""
        logger.warning(
            "sso login failed provider=%s error=%s exception=%s ip=%s",
            getattr(provider, "sub_id", "-"),
            error,
            type(exception).__name__ if exception else "-",
            client_ip(request),
        )
        if error == AuthError.CANCELLED:
            message = _("You did not log in with your library's account.")
        else:
            message = _(
                "Logging in with your library's account did not work. Try again, or log in "
                "with your password."
            )
        messages.error(request, message)
        raise ImmediateHttpResponse(redirect("login"))


@receiver(post_delete, sender=SingleSignOn, dispatch_uid="balie.security.sso.unlink")
def unlink_accounts(sender, instance: SingleSignOn, **kwargs) -> None:
    """Without its provider, an organisation's links to accounts mean nothing any more."""
    SocialAccount.objects.filter(provider=instance.provider_id).delete()
