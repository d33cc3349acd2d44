"""SCORM packages as module steps, and each learner's attempt at one."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from balie.learning.models import Step
from balie.orgs import access
from balie.orgs.models import Organisation, User

# A CSP host source: https, a host name (perhaps starting with "*."), perhaps a port.
ALLOWED_HOST = re.compile(
    r"^https://(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:[0-9]{1,5})?$"
)


def validate_allowed_hosts(value: str) -> None:
    wrong = [
        line.strip()
        for line in value.splitlines()
        if line.strip() and not ALLOWED_HOST.match(line.strip().lower())
    ]
    if wrong:
        raise ValidationError(
            _(
                "Not a website address like https://fonts.googleapis.com: %(lines)s. "
                "Write one per line, starting with https://, without a path."
            ),
            params={"lines": ", ".join(wrong)},
            code="host",
        )


class Version(models.TextChoices):
    SCORM_12 = "1.2", _("SCORM 1.2")
    SCORM_2004 = "2004", _("SCORM 2004")
    CMI5 = "cmi5", _("cmi5")


class FinishRule(models.TextChoices):
    """When a package that never reports back counts as finished. A package's own report
    always counts; these rules apply only while none of its SCOs has reported anything."""

    NEVER = "never", _("Only when the package reports that it is finished")
    OPENED = "opened", _("As soon as the learner has opened it")
    MINUTES = "minutes", _("After the learner has spent a number of minutes in it")


class PackageQuerySet(models.QuerySet["Package"]):
    def visible_to(self, user: User) -> PackageQuerySet:
        """A package is seen by whoever may see its step's module."""
        return self.filter(step__in=Step.objects.visible_to(user))


class Package(models.Model):
    """The unpacked files of one SCORM package, in `folder` under MEDIA_ROOT. A new upload
    always gets a new folder; files in a folder never change."""

    step = models.OneToOneField(
        Step, verbose_name=_("step"), on_delete=models.CASCADE, related_name="scorm_package"
    )
    version = models.CharField(_("SCORM version"), max_length=4, choices=Version.choices)
    edition = models.CharField(_("edition"), max_length=30, blank=True)
    title = models.CharField(_("title in the package"), max_length=200)
    launch = models.CharField(
        _("launch address"), max_length=2000, help_text=_("Relative to the package folder.")
    )
    items = models.JSONField(_("items"), default=list)
    # A cmi5 course: its id, blocks and AUs as cmi5_package.Course.structure() gives them.
    cmi5 = models.JSONField(_("cmi5 course structure"), default=dict, blank=True)
    # The organisation's activity tree: mastery, thresholds, objectives, sequencing
    # (balie/scorm/activities.py). Empty for a package imported before Balie read it.
    activities = models.JSONField(_("activities"), default=list, blank=True)
    finish_rule = models.CharField(
        _("finished when it does not report back"),
        max_length=10,
        choices=FinishRule.choices,
        default=FinishRule.NEVER,
        help_text=_(
            "Some packages never tell Balie that the learner has finished. Choose when the "
            "step then counts as done. What the package itself reports always counts."
        ),
    )
    finish_minutes = models.PositiveSmallIntegerField(
        _("minutes"),
        null=True,
        blank=True,
        help_text=_("For 'after a number of minutes': how many."),
    )
    folder = models.CharField(_("folder"), max_length=100, unique=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    file_count = models.PositiveIntegerField(_("number of files"))
    # Whose storage the package counts against (BALIE_PACKAGE_STORAGE_MB): the organisation
    # of the editor who uploaded it.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Web addresses of other hosts that the package's files name (found at upload), and the
    # ones an editor allows it to load from (its content policy; balie/scorm/content.py).
    external_hosts = models.JSONField(_("other websites it names"), default=list, blank=True)
    allowed_hosts = models.TextField(
        _("other websites it may load from"),
        blank=True,
        validators=[validate_allowed_hosts],
        help_text=_(
            "One per line, such as https://fonts.googleapis.com or https://*.vimeo.com. "
            "Only https. The package can load scripts, styles, fonts, pictures, video and "
            "frames from these websites, and nothing else from outside Balie."
        ),
    )
    uploaded_at = models.DateTimeField(_("uploaded"))
    uploaded_by = models.ForeignKey(
        User,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PackageQuerySet.as_manager()

    class Meta:
        verbose_name = _("SCORM package")
        verbose_name_plural = _("SCORM packages")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.finish_rule == FinishRule.MINUTES and not self.finish_minutes:
            raise ValidationError(
                {"finish_minutes": _("Say after how many minutes the step counts as done.")}
            )

    @property
    def activity_tree(self) -> list[dict]:
        """The activities; for a package imported before Balie read them, its items as the
        children of one organisation without sequencing."""
        if self.activities:
            return self.activities
        defaults = {
            "mastery": None,
            "threshold": None,
            "passing": None,
            "objectives": [],
            "data": "",
            "prerequisites": "",
            "controls": {"choice": True, "flow": False, "forwardOnly": False},
            "rules": [],
            "rollup": {"satisfied": True, "completion": True},
            "rollupRules": [],
        }
        root = {**defaults, "id": "", "title": self.title, "parent": None, "launch": ""}
        return [root] + [
            {
                **defaults,
                "id": item.get("identifier") or str(position),
                "title": item.get("title") or self.title,
                "parent": "",
                "launch": item["launch"],
                "sco": item.get("sco", False),
            }
            for position, item in enumerate(self.launch_items)
        ]

    def activity(self, identifier: str) -> dict | None:
        return next((a for a in self.activity_tree if a["id"] == identifier and a["launch"]), None)

    @property
    def allowed_sources(self) -> list[str]:
        return [line.strip() for line in self.allowed_hosts.splitlines() if line.strip()]

    def allows(self, host: str) -> bool:
        """Whether the editor allowed the package to load from `host` (a host name)."""
        for source in self.allowed_sources:
            allowed = source.lower().removeprefix("https://").split(":")[0]
            if allowed == host or (allowed.startswith("*.") and host.endswith(allowed[1:])):
                return True
        return False

    @property
    def is_2004(self) -> bool:
        return self.version == Version.SCORM_2004

    @property
    def launch_items(self) -> list[dict]:
        """The items to choose from: title, launch (relative), sco. A package imported before
        Balie kept its items has only its one SCO's launch address."""
        return self.items or [{"title": self.title, "launch": self.launch, "sco": True}]

    @property
    def has_sco(self) -> bool:
        """Whether anything in the package reports back. A package of assets only (plain
        pages) cannot: its step is done when the learner goes on, like a text step."""
        return any(item.get("sco") for item in self.launch_items)


class AttemptQuerySet(models.QuerySet["Attempt"]):
    def visible_to(self, user: User) -> AttemptQuerySet:
        return self.filter(access.owned_by(user))


@dataclass(frozen=True)
class Session:
    """What a signed session ticket says: whose, which package, which showing, since when,
    and the total time the package was given at the start."""

    package_id: int
    id: uuid.UUID
    started_at: datetime
    base_seconds: int
    sco: str = ""  # the item (activity id) that was started
    number: int = 1  # the attempt at that SCO


class Attempt(models.Model):
    """One learner's run-time data for one SCO of a package: where they are, what the SCO
    keeps for itself, its verdict and score, and the time spent. "Opnieuw proberen" starts a
    new attempt (`number` one higher) and keeps the old one. Every page showing of the SCO is
    a session; its commits are numbered, and a commit not newer than `revision` arrived late
    or twice and changes nothing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="scorm_attempts")
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="attempts")
    sco = models.CharField(max_length=200, blank=True)  # the item's identifier (activity id)
    number = models.PositiveIntegerField(default=1)
    # location, suspend_data, completion_status, success_status, exit, lesson_status (1.2),
    # progress_measure, score: {raw, min, max, scaled}, interactions, objectives
    data = models.JSONField(default=dict)
    revision = models.BigIntegerField(default=0)
    session_id = models.UUIDField(null=True)
    session_seconds = models.PositiveIntegerField(default=0)
    # Time of the sessions before the current one.
    earlier_seconds = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = AttemptQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "package", "sco", "number"], name="one_attempt_per_sco_and_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.package}"

    @property
    def total_seconds(self) -> int:
        return self.earlier_seconds + self.session_seconds

    TOKEN_SALT = "balie.scorm.session"  # noqa: S105 - a salt, not a secret
    TOKEN_MAX_AGE = 24 * 60 * 60

    @classmethod
    def token_for(
        cls, user: User, package: Package, *, base_seconds: int, sco: str = "", number: int = 1
    ) -> str:
        """A signed ticket for one showing of one SCO of a package (its attempt `number`)
        to one learner. Beside the CSRF token, it is what proves that a commit belongs to a
        showing Balie gave this learner, and which attempt it writes."""
        payload = {
            "u": user.pk,
            "p": package.pk,
            "s": uuid.uuid4().hex,
            "t": time.time(),
            "b": base_seconds,
            "i": sco,
            "n": number,
        }
        return signing.dumps(payload, salt=cls.TOKEN_SALT)

    @classmethod
    def read_token(cls, token: str, *, user: User) -> Session:
        """The session a ticket names; ValidationError if it is forged, too old, or another
        person's."""
        try:
            payload = signing.loads(token, salt=cls.TOKEN_SALT, max_age=cls.TOKEN_MAX_AGE)
        except signing.BadSignature:
            raise ValidationError(
                _("This page is too old to save your progress; reload it."), code="stale"
            ) from None
        if payload.get("u") != user.pk:
            raise ValidationError(_("This ticket belongs to someone else."), code="mismatch")
        return Session(
            package_id=payload["p"],
            id=uuid.UUID(payload["s"]),
            started_at=datetime.fromtimestamp(payload["t"], tz=UTC),
            base_seconds=payload["b"],
            sco=payload.get("i", ""),
            number=payload.get("n", 1),
        )


# --- cmi5 ---------------------------------------------------------------------------------


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def visible_to(self, user: User) -> RegistrationQuerySet:
        return self.filter(access.owned_by(user))


class Registration(models.Model):
    """A learner's enrolment in a cmi5 course (the package of a step): the registration id
    that every launch and every statement of theirs in the course carries. What they did is
    in the LRS, under this id; `satisfied_at` is when the course's moveOn rules were met."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cmi5_registrations")
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="registrations")
    registration = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField()
    satisfied_at = models.DateTimeField(null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "package"], name="one_cmi5_registration_per_course"
            )
        ]

    def __str__(self) -> str:
        return str(self.registration)
