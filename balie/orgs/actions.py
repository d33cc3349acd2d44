"""Verbs that change organisations, people and roles."""

from __future__ import annotations

from django.db import transaction

from balie.orgs.models import Membership, Organisation, Role, User

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
