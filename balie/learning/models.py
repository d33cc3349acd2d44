"""Programmes, modules and their steps; each learner's progress, time on task and notes."""

from __future__ import annotations

import math
import time
import uuid
from datetime import UTC, datetime
from functools import cached_property

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from balie.lib.markdown import word_count
from balie.orgs import access
from balie.orgs.models import Organisation, Role, User

# Time allowed for thinking, on top of reading, when a module's estimate is computed.
REFLECTION_SECONDS = 180
CHECK_SECONDS = 60
# The longest single visit to one step that can ever be credited: a safety net for clocks.
MAX_VISIT_SECONDS = 4 * 60 * 60


class Theme(models.TextChoices):
    BOEKSTART = "boekstart", _("BoekStart")
    DBOS = "dbos", _("de Bibliotheek op school")
    SOCIAAL_DOMEIN = "sociaal_domein", _("social domain")
    OTHER = "other", _("other")


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def visible_to(self, user: User) -> ProgrammeQuerySet:
        if user.may_edit_programmes:
            return self
        if not user.active_memberships:
            return self.none()
        return self.filter(is_published=True)


class Programme(models.Model):
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True, help_text=_("Markdown."))
    is_published = models.BooleanField(_("published"), default=False)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ModuleQuerySet(models.QuerySet["Module"]):
    def visible_to(self, user: User) -> ModuleQuerySet:
        programmes = Programme.objects.visible_to(user)
        if user.may_edit_programmes:
            return self.filter(programme__in=programmes)
        return self.filter(programme__in=programmes, is_published=True)


class Module(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="modules"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=200)
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices)
    summary = models.TextField(_("summary"), blank=True, help_text=_("Markdown."))
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=40, validators=[MaxValueValidator(600)]
    )
    is_published = models.BooleanField(_("published"), default=True)
    topics = models.ManyToManyField(
        "orgs.Topic",
        verbose_name=_("topics"),
        blank=True,
        related_name="modules",
        help_text=_(
            "What this module is about. A carousel station on one of these topics links here."
        ),
    )

    objects = ModuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["programme", "position", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def computed_seconds(self, steps: list[Step] | None = None) -> int:
        """An estimate from the content itself: words at BALIE_READING_WPM, the length of every
        video, and some time to think for each reflection and knowledge check."""
        steps = list(self.steps.all()) if steps is None else steps
        return sum(step.computed_seconds() for step in steps)

    def computed_minutes(self) -> int:
        return math.ceil(self.computed_seconds() / 60)

    @cached_property
    def learner_minutes(self) -> int:
        """The one estimate learners see: the larger of the editor's and the computed one. The
        computed one leaves out the websites and articles a step links to, so it is a floor;
        the editor's estimate is meant to include them. Never less than the content needs."""
        return max(self.estimated_minutes, self.computed_minutes())


class StepKind(models.TextChoices):
    TEXT = "text", _("text")
    VIDEO = "video", _("video")
    LINK = "link", _("link to a website")
    ARTICLE = "article", _("article")
    REFLECTION = "reflection", _("reflection question")
    CHECK = "check", _("knowledge check")
    # Made by uploading a package (balie.scorm: SCORM 1.2, SCORM 2004 or cmi5); done when the
    # package says so. Learners see what it is to them, not the standard's name.
    SCORM = "scorm", _("e-learning package")


class StepQuerySet(models.QuerySet["Step"]):
    def visible_to(self, user: User) -> StepQuerySet:
        return self.filter(module__in=Module.objects.visible_to(user))

    def still_to_do_by(self, user_id: int) -> StepQuerySet:
        """The steps the learner has not seen yet, and the knowledge checks not answered."""
        mine = StepProgress.objects.filter(user_id=user_id, step=OuterRef("pk"))
        seen = Exists(mine.filter(seen_at__isnull=False))
        answered = Exists(mine.filter(answered_at__isnull=False))
        return self.exclude(Q(seen) & (~Q(kind=StepKind.CHECK) | Q(answered)))


class Step(models.Model):
    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=StepKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        blank=True,
        help_text=_(
            "Markdown. For a video an introduction, for an article its summary, for a "
            "reflection or knowledge check the question."
        ),
    )
    video_url = models.URLField(_("video address"), blank=True)
    video_file = models.FileField(
        _("video file"),
        upload_to="videos/",
        blank=True,
        validators=[FileExtensionValidator(["mp4", "webm"])],
    )
    captions_file = models.FileField(
        _("captions (WebVTT)"),
        upload_to="captions/",
        blank=True,
        validators=[FileExtensionValidator(["vtt"])],
    )
    transcript = models.TextField(_("transcript"), blank=True, help_text=_("Markdown."))
    video_seconds = models.PositiveIntegerField(_("video length in seconds"), default=0)
    link_url = models.URLField(_("website address"), blank=True)
    link_why = models.TextField(_("why it is worth a visit"), blank=True, help_text=_("Markdown."))
    article_url = models.URLField(_("article address"), blank=True)
    article_file = models.FileField(
        _("article file"),
        upload_to="articles/",
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
    )
    persona = models.ForeignKey(
        "personas.Persona",
        verbose_name=_("persona"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="steps",
        limit_choices_to={"library__isnull": True},
        help_text=_("Shown beside this step. Only national persona's."),
    )

    objects = StepQuerySet.as_manager()

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["module", "position", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == StepKind.VIDEO:
            if not (self.video_url or self.video_file):
                errors["video_url"] = _("Give the video's address or upload the file.")
            if not (self.captions_file or self.transcript.strip()):
                errors["transcript"] = _("A video needs captions or a transcript.")
        if self.kind == StepKind.LINK:
            if not self.link_url:
                errors["link_url"] = _("Give the website's address.")
            if not self.link_why.strip():
                errors["link_why"] = _("Say why the website is worth a visit.")
        if self.kind == StepKind.ARTICLE:
            if not (self.article_url or self.article_file):
                errors["article_url"] = _("Give the article's address or upload it.")
            if not self.body.strip():
                errors["body"] = _("Write a summary of the article.")
        needs_text = self.kind in (StepKind.TEXT, StepKind.REFLECTION, StepKind.CHECK)
        if needs_text and not self.body.strip():
            errors["body"] = _("This kind of step needs a text.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_check(self) -> bool:
        return self.kind == StepKind.CHECK

    def computed_seconds(self) -> int:
        words = word_count(self.body) + word_count(self.link_why)
        seconds = words * 60 / settings.BALIE_READING_WPM + self.video_seconds
        if self.kind == StepKind.REFLECTION:
            seconds += REFLECTION_SECONDS
        if self.kind == StepKind.CHECK:
            seconds += CHECK_SECONDS
        return round(seconds)


class Choice(models.Model):
    """One answer to a knowledge check, with the feedback the learner sees after choosing it."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("answer"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)
    feedback = models.TextField(_("feedback"), help_text=_("Markdown."))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["step", "position", "id"]

    def __str__(self) -> str:
        return self.text


# --- The learner's own data: never visible to anyone else ---------------------------------


class OwnQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> OwnQuerySet:
        return self.filter(access.owned_by(user))


class ModuleProgress(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="module_progress")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="progress")
    started_at = models.DateTimeField(_("started"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    current_step = models.ForeignKey(Step, on_delete=models.SET_NULL, null=True, related_name="+")
    seconds = models.PositiveIntegerField(_("time on task in seconds"), default=0)

    objects = OwnQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="one_progress_per_module")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.module}"

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None


class StepProgress(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="step_progress")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="progress")
    seen_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveIntegerField(default=0)
    choice = models.ForeignKey(Choice, on_delete=models.SET_NULL, null=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    ever_correct = models.BooleanField(default=False)

    objects = OwnQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "step"], name="one_progress_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.step}"


class StepVisit(models.Model):
    """One showing of a step in the learner's browser. Heartbeats report the visit's active
    seconds so far; only growth is credited, and never more than the time since it was shown."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="+")
    shown_at = models.DateTimeField()
    credited_seconds = models.PositiveIntegerField(default=0)
    last_beat_at = models.DateTimeField()

    objects = OwnQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.user}: {self.step}"

    TOKEN_SALT = "balie.learning.visit"  # noqa: S105 - a salt, not a secret
    TOKEN_MAX_AGE = 24 * 60 * 60

    @classmethod
    def token_for(cls, user: User, step: Step) -> str:
        """A signed ticket for one showing of a step: the visit's id and when it was shown.
        Rendering a page writes nothing; the first heartbeat creates the visit."""
        payload = {"v": uuid.uuid4().hex, "u": user.pk, "s": step.pk, "t": time.time()}
        return signing.dumps(payload, salt=cls.TOKEN_SALT)

    @classmethod
    def read_token(cls, token: str, *, user: User, step: Step) -> tuple[uuid.UUID, datetime]:
        """The visit's id and the moment it was shown; ValidationError if the ticket is forged,
        too old, or for another person or step."""
        try:
            payload = signing.loads(token, salt=cls.TOKEN_SALT, max_age=cls.TOKEN_MAX_AGE)
        except signing.BadSignature:
            raise ValidationError(
                _("This page is too old to record time; reload it."), code="stale"
            ) from None
        if payload.get("u") != user.pk or payload.get("s") != step.pk:
            raise ValidationError(_("This ticket belongs to another step."), code="mismatch")
        shown_at = datetime.fromtimestamp(payload["t"], tz=UTC)
        return uuid.UUID(payload["v"]), shown_at


class Note(models.Model):
    """A learner's own note beside a step; also holds their answer to a reflection question.
    Private: no other person, whatever their role, reads it through Balie."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notes")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField(blank=True)
    # The browser's edit counter; a save with a lower one arrived late and changes nothing.
    revision = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    objects = OwnQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "step"], name="one_note_per_step")]
        indexes = [models.Index(fields=["user", "-updated_at"], name="note_user_recent")]

    def __str__(self) -> str:
        return f"{self.step}"

    @staticmethod
    def matching(text: str) -> Q:
        return (
            Q(body__icontains=text)
            | Q(step__title__icontains=text)
            | Q(step__module__title__icontains=text)
        )


# --- Couleur locale: how one library does it, inside the national module ------------------


class LocalBlockQuerySet(models.QuerySet["LocalBlock"]):
    def visible_to(self, user: User) -> LocalBlockQuerySet:
        """Everyone in the library sees its blocks; a POI adviser those of the libraries the
        POI serves; national roles all of them."""
        return access.in_scope(self, user)

    def of_own_libraries(self, user: User) -> LocalBlockQuerySet:
        """The blocks of the libraries the person works in: a part of `visible_to` that needs
        no query to decide."""
        return self.filter(library_id__in=access.library_ids_where(user))

    def editable_by(self, user: User) -> LocalBlockQuerySet:
        """Managers and specialists write their library's blocks; learners only read them."""
        return self.filter(
            library_id__in=access.library_ids_where(user, Role.MANAGER, Role.SPECIALIST)
        )


class LocalBlock(models.Model):
    """One library's own part of a national module, "how we do it here": its way of working,
    its local activities, its partners and the colleagues to ask. The national content is
    not touched; only that library's people see the block."""

    library = models.ForeignKey(
        Organisation,
        verbose_name=_("library"),
        on_delete=models.CASCADE,
        related_name="local_blocks",
        limit_choices_to={"kind": Organisation.Kind.LIBRARY},
    )
    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="local_blocks"
    )
    how_we_do_it = models.TextField(_("how we do it here"), blank=True, help_text=_("Markdown."))
    activities = models.TextField(
        _("local activities"),
        blank=True,
        help_text=_("Markdown. What, on which day, at what time and where."),
    )
    partners = models.TextField(
        _("partners in the social domain"), blank=True, help_text=_("Markdown.")
    )
    colleagues = models.ManyToManyField(
        User,
        verbose_name=_("colleagues to approach"),
        blank=True,
        related_name="local_blocks",
        help_text=_("People with a role in this library."),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("last changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = LocalBlockQuerySet.as_manager()

    class Meta:
        verbose_name = _("local block")
        verbose_name_plural = _("local blocks")
        ordering = ["library__name", "module"]
        constraints = [
            models.UniqueConstraint(fields=["library", "module"], name="one_local_block_per_module")
        ]

    def __str__(self) -> str:
        return f"{self.library}: {self.module}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.library_id and self.library.kind != Organisation.Kind.LIBRARY:
            errors["library"] = _("A local block belongs to a library.")
        if not any(text.strip() for text in (self.how_we_do_it, self.activities, self.partners)):
            errors["how_we_do_it"] = _(
                "Write at least one part: how you do it, your activities or your partners."
            )
        if errors:
            raise ValidationError(errors)
