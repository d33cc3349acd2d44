"""Verbs that change organisations, people and roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from balie.orgs import access
from balie.orgs.models import DirectoryEntry, Membership, Organisation, Role, Topic, User

STAFF_ROLES = {Role.EDITOR, Role.ADMIN}


@transaction.atomic
def create_organisation(
    *, kind: str, name: str, slug: str, parent: Organisation | None = None, place: str = ""
) -> Organisation:
    organisation = Organisation(kind=kind, name=name, slug=slug, parent=parent, place=place)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def add_person(*, email: str, full_name: str, password: str | None = None) -> User:
    user = User(email=email, full_name=full_name)
    user.full_clean(exclude=["password"])
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def grant_role(
    user: User,
    *,
    organisation: Organisation,
    role: str,
    specialism: str = "",
    branch: Organisation | None = None,
) -> Membership:
    """Give `user` a role in `organisation`; editors and administrators may use the management
    site. Granting a role the person already has changes nothing."""
    membership = Membership.objects.filter(user=user, organisation=organisation, role=role).first()
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role=role)
    membership.specialism = specialism
    membership.branch = branch
    membership.full_clean(validate_unique=False)
    membership.save()
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if role == Role.ADMIN and not user.is_superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    user.__dict__.pop("active_memberships", None)
    return membership


def may_edit_directory(user: User, library: Organisation) -> bool:
    """Whether `user` keeps `library`'s "wie doet wat" (its managers and specialists)."""
    return library.pk in access.library_ids_where(user, *DirectoryEntry.EDITOR_ROLES)


@transaction.atomic
def save_directory_entry(
    *,
    by: User,
    library: Organisation,
    person: User,
    role_title: str,
    how_to_reach: str,
    topics: Iterable[Topic] = (),
    branch: Organisation | None = None,
    when: str = "",
    note: str = "",
    entry: DirectoryEntry | None = None,
) -> DirectoryEntry:
    """Add `person` to `library`'s directory, or change their entry. Without `entry`, a person
    already listed gets their entry updated, so saving twice leaves one entry."""
    if not may_edit_directory(by, library):
        raise PermissionDenied
    if entry is None:
        entry = DirectoryEntry.objects.filter(library=library, person=person).first()
    elif entry.library_id != library.pk:
        raise PermissionDenied
    if entry is None:
        entry = DirectoryEntry(library=library)
    entry.person = person
    entry.branch = branch
    entry.role_title = role_title.strip()
    entry.how_to_reach = how_to_reach.strip()
    entry.when = when.strip()
    entry.note = note.strip()
    entry.full_clean()
    entry.save()
    entry.topics.set(topics)
    return entry


@transaction.atomic
def remove_directory_entry(entry: DirectoryEntry, *, by: User) -> None:
    """Take a colleague out of the directory. Removing an entry that is gone changes nothing."""
    if entry.library_id not in access.library_ids_where(by, *DirectoryEntry.EDITOR_ROLES):
        raise PermissionDenied
    DirectoryEntry.objects.filter(pk=entry.pk).delete()
