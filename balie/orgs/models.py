"""Organisations (national, POI, library, branch), the people in them and their roles."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    class Kind(models.TextChoices):
        NATIONAL = "national", _("national organisation")
        POI = "poi", _("provincial support organisation (POI)")
        LIBRARY = "library", _("library")
        BRANCH = "branch", _("branch")

    # Which kind of organisation each kind hangs under.
    PARENT_KIND = {
        Kind.NATIONAL: None,
        Kind.POI: Kind.NATIONAL,
        Kind.LIBRARY: Kind.POI,
        Kind.BRANCH: Kind.LIBRARY,
    }

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_(
            "A POI under the national organisation, a library under its POI, "
            "a branch under its library."
        ),
    )
    place = models.CharField(_("place"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        expected = self.PARENT_KIND.get(self.kind)
        if expected is None and self.parent_id and self.kind == self.Kind.NATIONAL:
            raise ValidationError({"parent": _("A national organisation is not part of another.")})
        if expected is not None and self.parent is not None and self.parent.kind != expected:
            raise ValidationError(
                {
                    "parent": _("A %(kind)s must be part of a %(parent)s.")
                    % {"kind": self.get_kind_display(), "parent": self.Kind(expected).label}
                }
            )
        if self.kind in (self.Kind.LIBRARY, self.Kind.BRANCH) and self.parent is None:
            raise ValidationError({"parent": _("Choose the organisation this one is part of.")})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("A user needs an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Who they are in which organisation is in their memberships."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("may use the management site"),
        default=False,
        help_text=_("Set automatically for programme editors and administrators."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def active_memberships(self) -> list[Membership]:
        return list(self.memberships.select_related("organisation", "branch"))

    def has_role(self, *roles: str) -> bool:
        return any(m.role in roles for m in self.active_memberships)

    @property
    def may_edit_programmes(self) -> bool:
        return self.is_superuser or self.has_role(Role.EDITOR, Role.ADMIN)


class Role(models.TextChoices):
    LEARNER = "learner", _("front-office staff (learner)")
    MANAGER = "manager", _("manager")
    ADVISER = "adviser", _("POI adviser")
    SPECIALIST = "specialist", _("specialist")
    EDITOR = "editor", _("programme editor")
    ADMIN = "admin", _("administrator")


class Specialism(models.TextChoices):
    TAALHUIS_COORDINATOR = "taalhuis_coordinator", _("Taalhuis coordinator")
    BASIC_SKILLS_CONSULTANT = "basic_skills_consultant", _("basic-skills consultant")
    TARGET_GROUP_OFFICER = "target_group_officer", _("target-group officer")
    READING_CONSULTANT = "reading_consultant", _("reading consultant")
    EDUCATION_ACCOUNT_MANAGER = "education_account_manager", _("education account manager")
    EDUCATION_SPECIALIST = "education_specialist", _("education specialist")
    BOEKSTART_COACH = "boekstart_coach", _("BoekStart coach")
    IDO_EMPLOYEE = "ido_employee", _("government help point (IDO) employee")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def with_role(self, *roles: str) -> MembershipQuerySet:
        return self.filter(role__in=roles)


class Membership(models.Model):
    """A person's role in one organisation. One person may hold several."""

    # The kind of organisation each role belongs to.
    ROLE_ORG_KIND = {
        Role.LEARNER: Organisation.Kind.LIBRARY,
        Role.MANAGER: Organisation.Kind.LIBRARY,
        Role.SPECIALIST: Organisation.Kind.LIBRARY,
        Role.ADVISER: Organisation.Kind.POI,
        Role.EDITOR: Organisation.Kind.NATIONAL,
        Role.ADMIN: Organisation.Kind.NATIONAL,
    }

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    specialism = models.CharField(
        _("specialism"), max_length=32, choices=Specialism.choices, blank=True
    )
    branch = models.ForeignKey(
        Organisation,
        verbose_name=_("branch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="branch_memberships",
        limit_choices_to={"kind": Organisation.Kind.BRANCH},
    )
    since = models.DateTimeField(_("since"), default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="one_role_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.organisation}"

    def clean(self) -> None:
        expected = self.ROLE_ORG_KIND.get(self.role)
        if expected and self.organisation_id and self.organisation.kind != expected:
            raise ValidationError(
                {
                    "organisation": _("A %(role)s belongs to a %(kind)s.")
                    % {"role": self.get_role_display(), "kind": Organisation.Kind(expected).label}
                }
            )
        if self.specialism and self.role != Role.SPECIALIST:
            raise ValidationError({"specialism": _("Only a specialist has a specialism.")})
        if self.role == Role.SPECIALIST and not self.specialism:
            raise ValidationError({"specialism": _("Choose the specialism.")})
        if self.branch_id and self.branch.parent_id != self.organisation_id:
            raise ValidationError({"branch": _("Choose a branch of this library.")})
