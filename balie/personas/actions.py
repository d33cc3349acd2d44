"""Changes to a library's own persona's, each in one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from balie.orgs import access
from balie.orgs.models import Organisation, User
from balie.personas.models import KEEPER_ROLES, Persona


def may_keep(user: User, library: Organisation) -> bool:
    """Whether `user` keeps `library`'s own persona's (its managers and specialists)."""
    return library.pk in access.library_ids_where(user, *KEEPER_ROLES)


def _forget_file(name: str, storage) -> None:
    """Delete a picture that no persona uses any more, once the change is saved."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def save_persona(persona: Persona, *, by: User) -> Persona:
    """Save a library's own persona (new or changed), as filled in by one of its keepers."""
    if persona.library is None or not may_keep(by, persona.library):
        raise PermissionDenied
    old_image = ""
    if persona.pk:
        stored = (
            Persona.objects.select_for_update(of=("self",))
            .select_related("library")
            .filter(pk=persona.pk)
        ).first()
        # Only the keepers of the library it belonged to may change (or move) it.
        if stored is not None and (stored.library is None or not may_keep(by, stored.library)):
            raise PermissionDenied
        old_image = stored.image.name if stored else ""
    persona.name = persona.name.strip()
    persona.tagline = persona.tagline.strip()
    persona.image_alt = persona.image_alt.strip()
    persona.full_clean()
    persona.save()
    if old_image and old_image != persona.image.name:
        _forget_file(old_image, persona.image.storage)
    return persona


@transaction.atomic
def delete_persona(persona: Persona, *, by: User) -> None:
    """Remove a library's own persona. Steps and stations that showed it simply no longer do."""
    if persona.library is None or not may_keep(by, persona.library):
        raise PermissionDenied
    image = persona.image.name
    Persona.objects.filter(pk=persona.pk).delete()
    _forget_file(image, persona.image.storage)
