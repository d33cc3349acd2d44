"""Accounts that look after themselves: invitations with a one-time activation link, the
team of a library kept by its own managers and specialists, and ending someone's access.

An invitation link is a Django password-reset token of its own kind: it holds the person's
password hash, so it stops working the moment a password is set (one-time), and it expires
after `BALIE_INVITATION_DAYS`. The e-mail goes out in the background (`orgs/tasks.py`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int
from django.utils.translation import gettext as _

from balie.orgs import access
from balie.orgs.actions import add_person, grant_role
from balie.orgs.models import DirectoryEntry, Membership, Organisation, Role, User

# Who keeps a library's team, and whom each of them may end the access of. Nobody raises
# anyone to manager or administrator here: a colleague is added as front-office staff.
TEAM_KEEPERS = (Role.MANAGER, Role.SPECIALIST)
MAY_END = {Role.MANAGER: {Role.LEARNER, Role.SPECIALIST}, Role.SPECIALIST: {Role.LEARNER}}


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for activation links. Unlike a reset link (PASSWORD_RESET_TIMEOUT), an
    invitation lasts `BALIE_INVITATION_DAYS`, and the page tells an expired link from a
    wrong or used one."""

    key_salt = "balie.orgs.accounts.InvitationTokenGenerator"

    def check_token(self, user: User | None, token: str | None) -> bool:
        return self.is_genuine(user, token) and not self.is_expired(token or "")

    def is_genuine(self, user: User | None, token: str | None) -> bool:
        """Made by us for this person in their present state (not used since)."""
        timestamp = _timestamp(token or "")
        if user is None or timestamp is None:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )

    def is_expired(self, token: str) -> bool:
        timestamp = _timestamp(token)
        age = self._num_seconds(self._now()) - (timestamp or 0)
        return age > settings.BALIE_INVITATION_DAYS * 24 * 60 * 60


def _timestamp(token: str) -> int | None:
    try:
        return base36_to_int(token.split("-")[0])
    except ValueError:
        return None


invitation_tokens = InvitationTokenGenerator()


def is_activated(user: User) -> bool:
    return user.has_usable_password()


def awaits_activation(user: User) -> bool:
    """Someone who was invited (or imported) and has not set a password yet."""
    return user.is_active and not user.has_usable_password()


# --- The team of a library -------------------------------------------------------------------


def team_libraries(user: User) -> list[Organisation]:
    """The libraries whose team `user` keeps (as manager or specialist)."""
    ids = access.library_ids_where(user, *TEAM_KEEPERS)
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def team_of(library: Organisation) -> models.QuerySet[User]:
    """Everyone with a role in `library`, active or waiting for their activation."""
    return (
        User.objects.filter(memberships__organisation=library, is_active=True)
        .distinct()
        .prefetch_related("memberships__branch")
        .order_by("full_name", "pk")
    )


def may_end(by: User, person: User, library: Organisation) -> bool:
    """Whether `by` may end `person`'s access to `library`: not themselves, and only people
    whose every role there is one that `by`'s own role there may end."""
    if person.pk == by.pk:
        return False
    allowed: set[str] = set()
    for membership in by.active_memberships:
        if membership.organisation_id == library.pk:
            allowed |= MAY_END.get(membership.role, set())
    roles = {m.role for m in person.memberships.all() if m.organisation_id == library.pk}
    return bool(roles) and roles <= allowed


def _keeps_team(by: User, library: Organisation) -> None:
    if library.pk not in access.library_ids_where(by, *TEAM_KEEPERS):
        raise PermissionDenied


@transaction.atomic
def add_colleague(
    *, by: User, library: Organisation, email: str, full_name: str, branch: Organisation | None
) -> User:
    """Add a new colleague to `library` as front-office staff and send the invitation. An
    address that already has an account is refused: an administrator joins accounts."""
    _keeps_team(by, library)
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            _("There already is an account with this e-mail address. Ask an administrator.")
        )
    person = add_person(email=email, full_name=full_name.strip())
    grant_role(person, organisation=library, role=Role.LEARNER, branch=branch)
    invite_on_commit(person)
    return person


def resend_invitation(*, by: User, library: Organisation, person: User) -> None:
    _keeps_team(by, library)
    if not awaits_activation(person):
        raise ValidationError(_("%(name)s has activated their account.") % {"name": person})
    invite_on_commit(person, again=True)


@transaction.atomic
def end_access(*, by: User, library: Organisation, person: User) -> bool:
    """End `person`'s roles in `library`. Without a role left anywhere, the account is
    switched off: inactive, without a password (which ends every session), out of the
    directory. Their own learning rows stay with the account (docs/privacy.md, "When someone
    leaves"). Returns whether the account was switched off."""
    _keeps_team(by, library)
    if not may_end(by, person, library):
        raise PermissionDenied
    Membership.objects.filter(user=person, organisation=library).delete()
    DirectoryEntry.objects.filter(person=person, library=library).delete()
    person.__dict__.pop("active_memberships", None)
    if Membership.objects.filter(user=person).exists():
        return False
    person.is_active = False
    person.set_unusable_password()
    person.save(update_fields=["is_active", "password"])
    return True


# --- Invitations -----------------------------------------------------------------------------


def invite_on_commit(person: User, *, again: bool = False) -> None:
    """Send `person` an invitation once the transaction has committed. The first one goes out
    once, however often this is asked (an import run twice); `again` sends a new one, once per
    invitation seen now (a double click sends one)."""
    from balie.orgs import tasks

    person_id = person.pk
    seen = person.invited_at.isoformat() if again and person.invited_at else None
    transaction.on_commit(lambda: tasks.send_invitation.enqueue(person_id, seen))


@transaction.atomic
def activate(person: User, *, password: str) -> None:
    """The person set their password and accepted the privacy notice."""
    person.set_password(password)
    person.privacy_accepted_at = timezone.now()
    person.save(update_fields=["password", "privacy_accepted_at"])
