"""Persona's: fictional portraits of the people the library serves (customers) and of the
people who work at the desk (staff). National ones are kept by the programme editors; a
library may add its own. They are shown beside learning steps, desk offers and carousel
stations, and print as cards.

This app imports only `orgs`: the apps that link to a persona (learning, carousel, desk) point
at it, never the other way round.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from balie.orgs import access
from balie.orgs.models import Organisation, Role, User

# Who keeps a library's own persona's.
KEEPER_ROLES = (Role.MANAGER, Role.SPECIALIST)

# The values of `desk.models.OfferKind`, copied so that this app does not import the desk.
# A test keeps the two lists equal; the labels are read from the desk's model when shown.
OFFER_KINDS = (
    "taalcafe",
    "taalmaatje",
    "materials",
    "intake",
    "ido",
    "klik_tik",
    "digisterker",
    "boekstart",
    "partner",
    "other",
)

IMAGE_MAX_BYTES = 2 * 1024 * 1024
# What each accepted picture starts with. No SVG: a drawing can carry a script.
IMAGE_SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
}


def offer_kind_choices() -> list[tuple[str, str]]:
    """The desk's offer kinds with their (translated) labels, read at run time."""
    offer = apps.get_model("desk", "Offer")
    return list(offer._meta.get_field("kind").choices)


def validate_image(file: File) -> None:
    """A PNG, JPEG, GIF or WebP picture of at most 2 MB, checked by its first bytes as well as
    its name."""
    extension = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else ""
    if extension not in IMAGE_SIGNATURES:
        raise ValidationError(_("Upload a picture as PNG, JPEG, GIF or WebP."), code="image_type")
    if file.size is not None and file.size > IMAGE_MAX_BYTES:
        raise ValidationError(_("This picture is too large. The limit is 2 MB."), code="image_size")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    ok = any(head.startswith(sig) for sig in IMAGE_SIGNATURES[extension])
    if extension == "webp":
        ok = ok and head[8:12] == b"WEBP"
    if not ok:
        raise ValidationError(
            _("This file is not a picture, or it is damaged. Upload a PNG, JPEG, GIF or WebP."),
            code="image_content",
        )


class PersonaKind(models.TextChoices):
    CUSTOMER = "customer", _("customer")
    STAFF = "staff", _("staff")


class PersonaQuerySet(models.QuerySet["Persona"]):
    def visible_to(self, user: User) -> PersonaQuerySet:
        """National persona's for everyone who is logged in; a library's own for its staff, the
        advisers of its POI and the national roles. Unpublished ones only for their keepers."""
        if access.is_national(user):
            return self
        national = Q(library__isnull=True)
        own = Q(library_id__in=access.organisation_ids_for(user))
        kept = Q(library_id__in=access.library_ids_where(user, *KEEPER_ROLES))
        return self.filter((Q(is_published=True) & (national | own)) | kept)

    def kept_by(self, user: User) -> PersonaQuerySet:
        """A library's own persona's, for its managers and specialists. The national ones are
        kept by the programme editors in the management site."""
        return self.filter(library_id__in=access.library_ids_where(user, *KEEPER_ROLES))

    def fitting(self, offer_kind: str) -> PersonaQuerySet:
        """Published persona's for whom an offer of this kind fits (a desk `OfferKind` value)."""
        # A JSON list's text holds each value in double quotes; `contains` on JSON is not
        # available on SQLite, so this matches the quoted value in the text.
        if offer_kind not in OFFER_KINDS:
            return self.none()
        return self.filter(is_published=True, offer_kinds__icontains=f'"{offer_kind}"')

    def by_offer_kind(self) -> dict[str, list[Persona]]:
        """Published persona's per offer kind, in one query: for a page that lists offers of
        several kinds (chain after `visible_to(user)`)."""
        grouped: dict[str, list[Persona]] = {}
        for persona in self.filter(is_published=True).exclude(offer_kinds=[]):
            for kind in persona.offer_kinds:
                grouped.setdefault(kind, []).append(persona)
        return grouped


class Persona(models.Model):
    name = models.CharField(_("name"), max_length=120, help_text=_('E.g. "Gerrit van Dijk".'))
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=PersonaKind.choices)
    tagline = models.CharField(
        _("short line"), max_length=120, blank=True, help_text=_('E.g. "NT1, Deurne".')
    )
    story = models.TextField(_("their story"), blank=True, help_text=_("Markdown."))
    signals = models.TextField(
        _("signals at the desk"),
        blank=True,
        help_text=_("What the desk may notice. A Markdown list."),
    )
    what_works = models.TextField(_("what works"), blank=True, help_text=_("Markdown."))
    offer_kinds = models.JSONField(_("offers that fit"), default=list, blank=True)
    image = models.FileField(
        _("picture"),
        upload_to="personas/",
        blank=True,
        validators=[validate_image],
        help_text=_("PNG, JPEG, GIF or WebP, at most 2 MB. Please: no photo of a real person."),
    )
    image_alt = models.CharField(
        _("text alternative of the picture"),
        max_length=250,
        blank=True,
        help_text=_("What the picture shows, for people who cannot see it."),
    )
    library = models.ForeignKey(
        Organisation,
        verbose_name=_("library"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="personas",
        limit_choices_to={"kind": Organisation.Kind.LIBRARY},
        help_text=_("Empty: a national persona, kept by the programme editors."),
    )
    is_published = models.BooleanField(_("published"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = PersonaQuerySet.as_manager()

    class Meta:
        verbose_name = _("persona")
        verbose_name_plural = _("personas")
        # "customer" sorts before "staff": customers first.
        ordering = ["kind", "position", "name", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        """Name and age, as the card shows it: "Gerrit van Dijk, 61"."""
        return f"{self.name}, {self.age}" if self.age is not None else self.name

    @property
    def is_public(self) -> bool:
        """National and published: fit to show beside national content (module steps)."""
        return self.library_id is None and self.is_published

    def offer_kind_labels(self) -> list[str]:
        labels = dict(offer_kind_choices())
        return [str(labels.get(kind, kind)) for kind in self.offer_kinds]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.image and not self.image_alt.strip():
            errors["image_alt"] = _("Describe the picture for people who cannot see it.")
        kinds = self.offer_kinds
        if not isinstance(kinds, list) or any(k not in OFFER_KINDS for k in kinds):
            errors["offer_kinds"] = _("Choose offers from the list.")
        if self.library_id and self.library.kind != Organisation.Kind.LIBRARY:
            errors["library"] = _("Choose a library.")
        if errors:
            raise ValidationError(errors)
