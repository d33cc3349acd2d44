"""Organisations (national, POI, library, branch), the people in them and their roles."""

from __future__ import annotations

import re
from functools import cached_property
from urllib.parse import urlsplit

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
    works_council_agreed_on = models.DateField(
        _("works council agreed on"),
        null=True,
        blank=True,
        help_text=_(
            "Only for a library: the date its works council agreed that its managers may see "
            "learning progress per person (WOR art. 27(1)(l)). Empty: team figures only."
        ),
    )

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
    # Accounts that look after themselves (balie/orgs/accounts.py).
    invited_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    privacy_accepted_at = models.DateTimeField(_("privacy notice accepted"), null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_("The language Balie speaks after this person logs in. Empty: Dutch."),
    )

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


# --- Who does what: the directory of each library -------------------------------------------


class Topic(models.Model):
    """A subject a desk worker may need a colleague for (BoekStart, IDO, …). One national list,
    shared by every library; the keywords are the plain words a desk worker might type."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    keywords = models.TextField(
        _("search words"),
        blank=True,
        help_text=_(
            "Plain words and synonyms that should find this topic, separated by commas, "
            'e.g. "baby, peuter, voorlezen, consultatiebureau".'
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


# Words too common to narrow a search ("hulp bij DigiD" looks for "hulp" and "DigiD").
_STOPWORDS = """
de het een en of bij met voor van in op te aan om over naar die dat er is zijn ik je jij u mijn
wie wat waar hoe iemand the a an and or for with to
"""
SEARCH_STOPWORDS = frozenset(_STOPWORDS.split())


class DirectoryEntryQuerySet(models.QuerySet["DirectoryEntry"]):
    # orgs.access imports this module, so these methods import it when they run.

    def visible_to(self, user: User) -> DirectoryEntryQuerySet:
        """National roles see every library's directory; everyone else the directories of the
        libraries in their scope (their own library; an adviser the libraries their POI
        serves). People who left the library drop out of its directory."""
        from balie.orgs import access

        entries = self
        if not access.is_national(user):
            entries = entries.filter(library_id__in=access.organisation_ids_for(user))
        still_there = Membership.objects.filter(
            user=models.OuterRef("person"), organisation=models.OuterRef("library")
        )
        return entries.filter(models.Exists(still_there), person__is_active=True)

    def editable_by(self, user: User) -> DirectoryEntryQuerySet:
        """A library's managers and specialists keep its directory; advisers and national roles
        only read it."""
        from balie.orgs import access

        return self.filter(
            library_id__in=access.library_ids_where(user, *DirectoryEntry.EDITOR_ROLES)
        )

    def matching(self, text: str) -> DirectoryEntryQuerySet:
        """Entries that contain the whole phrase, or every meaningful word of it, in a topic's
        name or search words, the person's name, the role, the note or the branch."""
        words = text.split()
        if not words:
            return self
        meaningful = [w for w in words if w.lower() not in SEARCH_STOPWORDS] or words
        every_word = models.Q()
        for word in meaningful:
            every_word &= _contains(word)
        return self.filter(_contains(" ".join(words)) | every_word)


def _contains(text: str) -> models.Q:
    topics = Topic.objects.filter(
        models.Q(name__icontains=text) | models.Q(keywords__icontains=text)
    )
    with_topic = DirectoryEntry.topics.through.objects.filter(topic__in=topics)
    return (
        models.Q(pk__in=with_topic.values("directoryentry_id"))
        | models.Q(person__full_name__icontains=text)
        | models.Q(role_title__icontains=text)
        | models.Q(note__icontains=text)
        | models.Q(branch__name__icontains=text)
        | models.Q(branch__place__icontains=text)
    )


class DirectoryEntry(models.Model):
    """One colleague in a library's "wie doet wat": their role, the topics to come to them for,
    and how and when to reach them."""

    EDITOR_ROLES = (Role.MANAGER, Role.SPECIALIST)

    library = models.ForeignKey(
        Organisation,
        verbose_name=_("library"),
        on_delete=models.CASCADE,
        related_name="directory_entries",
        limit_choices_to={"kind": Organisation.Kind.LIBRARY},
    )
    person = models.ForeignKey(
        User, verbose_name=_("colleague"), on_delete=models.CASCADE, related_name="+"
    )
    branch = models.ForeignKey(
        Organisation,
        verbose_name=_("branch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.BRANCH},
        help_text=_("Where this colleague usually works. Leave empty if it does not matter."),
    )
    role_title = models.CharField(
        _("role"), max_length=150, help_text=_('As the desk knows it, e.g. "Taalhuiscoördinator".')
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="entries"
    )
    how_to_reach = models.CharField(
        _("how to reach them"),
        max_length=200,
        help_text=_('E.g. "extension 214, or walk over to the Taalhuis room".'),
    )
    when = models.CharField(
        _("when"),
        max_length=200,
        blank=True,
        help_text=_('E.g. "Tue and Thu, 9 am–5 pm".'),
    )
    note = models.TextField(
        _("good to know"),
        blank=True,
        help_text=_("For the desk: what to bring, what to ask first. Markdown."),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = DirectoryEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")
        ordering = ["library", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "person"], name="one_directory_entry_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.role_title}"

    def clean(self) -> None:
        if not self.library_id:
            return
        if self.library.kind != Organisation.Kind.LIBRARY:
            raise ValidationError({"library": _("Choose a library.")})
        if (
            self.person_id
            and not Membership.objects.filter(
                user_id=self.person_id, organisation_id=self.library_id
            ).exists()
        ):
            raise ValidationError({"person": _("Choose a colleague who works at this library.")})
        if self.branch_id and (
            self.branch.kind != Organisation.Kind.BRANCH or self.branch.parent_id != self.library_id
        ):
            raise ValidationError({"branch": _("Choose a branch of this library.")})


# --- Sign-in with the library's own accounts ---------------------------------------------------

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def split_domains(text: str) -> list[str]:
    return [d for d in re.split(r"[\s,;]+", text.strip().lower()) if d]


class SingleSignOnQuerySet(models.QuerySet["SingleSignOn"]):
    def for_email(self, email: str) -> SingleSignOn | None:
        """The organisation's sign-in whose e-mail domains include this address's domain."""
        domain = email.rpartition("@")[2].strip().lower()
        if not domain:
            return None
        for sign_on in self.filter(email_domains__icontains=domain).select_related("organisation"):
            if domain in sign_on.domains:
                return sign_on
        return None

    def origins(self) -> list[str]:
        """Where the login page's forms may send the browser: each provider's origin."""
        found = set()
        for issuer in self.values_list("issuer", flat=True):
            parts = urlsplit(issuer)
            found.add(f"{parts.scheme}://{parts.netloc}")
        return sorted(found)


class SingleSignOn(models.Model):
    """An organisation's own sign-in (OpenID Connect: Microsoft Entra ID, Google Workspace, …):
    its people log in with their work account instead of a Balie password. Only people who
    already are in Balie, with a role in this organisation, can; nobody is created."""

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="single_sign_on",
    )
    provider_id = models.SlugField(
        _("short name in the address"),
        max_length=60,
        unique=True,
        help_text=_(
            "Part of the redirect URL that you register at the provider. Do not change it "
            "afterwards."
        ),
    )
    issuer = models.URLField(
        _("issuer"),
        help_text=_(
            "Microsoft Entra ID: https://login.microsoftonline.com/TENANT-ID/v2.0. "
            "Google Workspace: https://accounts.google.com."
        ),
    )
    client_id = models.CharField(_("client ID"), max_length=255)
    secret = models.CharField(_("client secret"), max_length=500)
    email_domains = models.CharField(
        _("e-mail domains"),
        max_length=500,
        help_text=_(
            "The domains of your people's work addresses, separated by commas, e.g. "
            '"bibliotheekhelmondpeel.nl". Whoever types such an address on the login page is '
            "sent to this provider."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = SingleSignOnQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-in with the library's own accounts")
        verbose_name_plural = _("sign-ins with the library's own accounts")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def domains(self) -> list[str]:
        return split_domains(self.email_domains)

    def clean(self) -> None:
        domains = self.domains
        wrong = [d for d in domains if not DOMAIN_RE.match(d)]
        if not domains or wrong:
            raise ValidationError(
                {"email_domains": _("Give one or more domains, like bibliotheek.nl.")}
            )
        self.email_domains = ", ".join(domains)
        others = SingleSignOn.objects.exclude(pk=self.pk)
        for domain in domains:
            taken = others.for_email(f"x@{domain}")
            if taken is not None:
                raise ValidationError(
                    {
                        "email_domains": _("%(domain)s is already used by %(organisation)s.")
                        % {"domain": domain, "organisation": taken.organisation}
                    }
                )
        if self.issuer:
            self.issuer = self.issuer.rstrip("/")
