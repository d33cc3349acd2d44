"""The xAPI statement store: statements (never changed once stored), the index rows that the
statement queries use, attachments, the State/Activity Profile/Agent Profile documents, the
clients that may talk to `/xapi/`, the opaque accounts under which staff appear, and the
forwarding of an organisation's statements to an external LRS.

A stored statement is only ever inserted: voiding is a new statement that points at the old one
(`voids`), so no row here is updated or deleted after it is written. On PostgreSQL a trigger
refuses UPDATE and DELETE on the statement tables too (migration 0002).
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from balie.orgs.models import Organisation

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


class Client(models.Model):
    """An application that may use `/xapi/` with HTTP Basic credentials: `key` is the user name,
    the secret is only stored hashed. It reads and writes for its organisation (and the
    organisations under it)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    key = models.CharField(_("key"), max_length=64, unique=True, editable=False)
    secret_hash = models.CharField(max_length=256, editable=False)
    may_read = models.BooleanField(_("may read"), default=True)
    may_write = models.BooleanField(_("may write"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("xAPI client")
        verbose_name_plural = _("xAPI clients")
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return self.name

    # Every request to /xapi/ needs its client: from the cache (Redis in production) it costs a
    # fraction of a query. Saving or deleting a client forgets it at once; what a concurrent
    # request put back from before the change lasts this long at most.
    CACHE_SECONDS = 60

    @staticmethod
    def cache_key(key: str) -> str:
        return "lrs-client:" + hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def active(cls, key: str) -> Client | None:
        """The active client with this key, with its organisation, or None."""
        client = cache.get(cls.cache_key(key))
        if client is None:
            # get(), not first(): no ORDER BY, so no join and sort for the default ordering.
            try:
                client = cls.objects.select_related("organisation").get(key=key, is_active=True)
            except cls.DoesNotExist:
                return None
            client.remember()
        return client

    def remember(self) -> None:
        """Put this client in the cache as it is now (before a request adds its own)."""
        cache.set(self.cache_key(self.key), self, self.CACHE_SECONDS)

    @property
    def rate_key(self) -> str:
        """Whose requests the rate limit counts together."""
        return str(self.pk)

    def authority(self) -> dict:
        """The agent that the LRS puts in `authority` of what this client stores."""
        return {
            "objectType": "Agent",
            "account": {"homePage": settings.BALIE_SITE_URL + "/xapi/clients", "name": self.key},
        }

    def without_agreement_ids(self) -> list[int]:
        """Of `organisation_ids`, those whose people's own statements (the ones Balie records
        per person, `Statement.client` empty) this client may not read: a library's or POI's
        client reads them only where the works council agreed (the rule of the cohort team
        page; a branch follows its library). A national client reads them all, as before.
        Computed once per request object."""
        if not hasattr(self, "_without_agreement_ids"):
            self._without_agreement_ids = []
            if self.organisation.kind != Organisation.Kind.NATIONAL:
                rows = Organisation.objects.filter(pk__in=self.organisation_ids()).values_list(
                    "pk", "kind", "works_council_agreed_on", "parent__works_council_agreed_on"
                )
                self._without_agreement_ids = [
                    pk
                    for pk, kind, agreed, library_agreed in rows
                    if agreed is None
                    and not (kind == Organisation.Kind.BRANCH and library_agreed is not None)
                ]
        return self._without_agreement_ids

    def organisation_ids(self) -> list[int]:
        """The client's organisation and those under it (a POI's libraries and their
        branches): whose statements it sees. Computed once per request object."""
        if not hasattr(self, "_organisation_ids"):
            self._organisation_ids = organisations_under(self.organisation_id)
        return self._organisation_ids


@receiver((post_save, post_delete), sender=Client, dispatch_uid="balie.lrs.forget_client")
def _forget_client(sender, instance: Client, **kwargs) -> None:
    """A changed or deleted client is looked up afresh: now, and again once the change is
    committed (a request may have cached the row as it was until then)."""
    key = Client.cache_key(instance.key)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


# An organisation and those under it (the tree is at most four deep), for one parameter
# given four times: as a common table expression `visible`, which the statement queries use.
VISIBLE = """visible(id) AS (
    SELECT o.id FROM orgs_organisation AS o
    LEFT JOIN orgs_organisation AS p ON p.id = o.parent_id
    LEFT JOIN orgs_organisation AS g ON g.id = p.parent_id
    WHERE o.id = %s OR o.parent_id = %s OR p.parent_id = %s OR g.parent_id = %s
)"""


def organisations_under(own: int) -> list[int]:
    """An organisation and those under it."""
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {VISIBLE} SELECT id FROM visible", [own] * 4)  # noqa: S608
        return [organisation_id for (organisation_id,) in cursor.fetchall()]


class StatementsNeverChange(Exception):
    """Raised by every ORM path that would change or delete a stored statement."""


class StatementQuerySet(models.QuerySet["Statement"]):
    def update(self, **kwargs) -> int:
        raise StatementsNeverChange("stored statements are never updated; void them instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise StatementsNeverChange("stored statements are never deleted; void them instead")

    def visible_to(self, client: Client) -> StatementQuerySet:
        """The client's organisations' statements: what their tools stored, and what Balie
        recorded of their people where the works council agreed (`without_agreement_ids`)."""
        visible = self.filter(organisation_id__in=client.organisation_ids())
        hidden = client.without_agreement_ids()
        if hidden:
            visible = visible.exclude(client__isnull=True, organisation_id__in=hidden)
        return visible

    def not_voided(self) -> StatementQuerySet:
        """Voiding hides a statement from every query but `voidedStatementId`."""
        return self.exclude(is_voided())

    def voided(self) -> StatementQuerySet:
        return self.filter(is_voided())


def is_voided() -> models.Exists:
    """A voiding statement names the statement it voids by id and organisation: ids are only
    unique within an organisation."""
    return models.Exists(
        Statement.objects.filter(
            voids=models.OuterRef("statement_id"),
            voids_organisation=models.OuterRef("organisation_id"),
        )
    )


class Statement(models.Model):
    """One stored statement. `payload` is the statement as the LRS returns it (with `id`,
    `stored`, `authority` and `version`); the other columns are copies for querying.

    A statement id is unique within an organisation, not across them: each organisation has
    the id space of an LRS of its own, so that no organisation learns from a 409 (or takes
    first) an id that another one stored."""

    id = models.BigAutoField(primary_key=True)  # the order of storing, for paging
    statement_id = models.UUIDField(_("statement id"))
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
        db_index=False,  # the constraint and lrs_statement_org_id start with it
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("xAPI client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verb_id = models.CharField(_("verb"), max_length=2048)
    activity_id = models.CharField(
        _("activity"), max_length=2048, blank=True
    )  # the object, if an Activity
    registration = models.UUIDField(_("registration"), null=True, blank=True)
    voids = models.UUIDField(
        _("voids"), null=True, blank=True
    )  # the statement a voiding statement voids, with the organisation that stored it:
    voids_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,  # lrs_statement_voids covers it
    )
    refers_to = models.UUIDField(
        _("refers to"), null=True, blank=True
    )  # the StatementRef object, if any
    timestamp = models.DateTimeField(_("time of the event"))
    stored = models.DateTimeField(_("stored at"))
    payload = models.JSONField(_("the statement (JSON)"))

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "statement_id"], name="lrs_statement_id_per_organisation"
            )
        ]
        # Every index costs each insert: those of the columns that few statements fill hold
        # only the rows that fill them.
        indexes = [
            models.Index(fields=["organisation", "id"], name="lrs_statement_org_id"),
            models.Index(fields=["stored"], name="lrs_statement_stored"),
            models.Index(fields=["verb_id", "id"], name="lrs_statement_verb"),
            models.Index(
                fields=["registration"],
                name="lrs_statement_registration",
                condition=Q(registration__isnull=False),
            ),
            models.Index(
                fields=["voids", "voids_organisation"],
                name="lrs_statement_voids",
                condition=Q(voids__isnull=False),
            ),
            models.Index(
                fields=["refers_to"],
                name="lrs_statement_refers_to",
                condition=Q(refers_to__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise StatementsNeverChange("a stored statement is never saved again")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs) -> tuple[int, dict[str, int]]:
        raise StatementsNeverChange("stored statements are never deleted; void them instead")


class Relation(models.TextChoices):
    DIRECT = "direct"  # actor (agent) or object: what `agent=` and `activity=` match
    # anywhere in the statement, the direct ones too: what `related_agents`/`related_activities`
    # match; a superset, so that either query joins one row per statement (no DISTINCT)
    RELATED = "related"


class StatementAgent(models.Model):
    """An agent that a statement names, by the hash of its identifier (see `store.agent_key`)."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="agents")
    agent_hash = models.CharField(max_length=40)
    relation = models.CharField(max_length=8, choices=Relation.choices)

    class Meta:
        indexes = [
            models.Index(fields=["agent_hash", "relation", "statement"], name="lrs_agent_lookup")
        ]

    def __str__(self) -> str:
        return str(self.agent_hash)


class StatementActivity(models.Model):
    """An activity that a statement names, by the hash of its IRI."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="activities")
    activity_hash = models.CharField(max_length=40)
    relation = models.CharField(max_length=8, choices=Relation.choices)

    class Meta:
        indexes = [
            models.Index(
                fields=["activity_hash", "relation", "statement"], name="lrs_activity_lookup"
            )
        ]

    def __str__(self) -> str:
        return str(self.activity_hash)


class Attachment(models.Model):
    """The raw data of an attachment, once per content (`sha2`) and organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    sha2 = models.CharField(max_length=128)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "sha2"], name="lrs_attachment_once")
        ]

    def __str__(self) -> str:
        return str(self.sha2)


class Activity(models.Model):
    """The canonical definition of an activity, as last given in a statement by a trusted
    source, per organisation (for the Activities resource)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    activity_id = models.CharField(max_length=2048)
    activity_hash = models.CharField(max_length=40)
    definition = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "activity_hash"], name="lrs_activity_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.activity_id)


class Document(models.Model):
    """A State, Activity Profile or Agent Profile document. Fields that a kind does not use are
    empty strings, so that the unique constraint holds without NULLs."""

    class Kind(models.TextChoices):
        STATE = "state"
        ACTIVITY_PROFILE = "activity_profile"
        AGENT_PROFILE = "agent_profile"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    activity_hash = models.CharField(max_length=40, blank=True)
    agent_hash = models.CharField(max_length=40, blank=True)
    registration = models.CharField(max_length=36, blank=True)
    document_id = models.CharField(max_length=2048)
    document_hash = models.CharField(max_length=40)
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    etag = models.CharField(max_length=64)
    updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organisation",
                    "kind",
                    "activity_hash",
                    "agent_hash",
                    "registration",
                    "document_hash",
                ],
                name="lrs_document_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["organisation", "kind", "activity_hash", "agent_hash"],
                name="lrs_document_lookup",
            )
        ]

    def __str__(self) -> str:
        return str(self.document_id)


class Account(models.Model):
    """The opaque name under which a staff member appears in statements. Erasing the person
    deletes this row: their statements stay, and nobody can tell whose they were."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xapi_account"
    )
    name = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return str(self.name)


class Forwarder(models.Model):
    """An external LRS to which an organisation's statements (and those of the organisations
    under it) are sent on: at least once, in batches, with retry and back-off."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    endpoint = models.URLField(
        _("LRS address"), help_text=_("The xAPI endpoint, ending in a slash.")
    )
    username = models.CharField(_("user name"), max_length=255)
    password = models.CharField(_("password"), max_length=255)
    is_active = models.BooleanField(_("active"), default=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("forwarding to an external LRS")
        verbose_name_plural = _("forwarding to external LRSs")

    def __str__(self) -> str:
        return self.endpoint


class Delivery(models.Model):
    """A statement still to be sent to a forwarder; written in the same transaction as the
    statement, deleted once the external LRS has accepted it."""

    forwarder = models.ForeignKey(Forwarder, on_delete=models.CASCADE, related_name="+")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="+")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["forwarder", "next_attempt_at", "id"], name="lrs_delivery_due")
        ]
        constraints = [
            models.UniqueConstraint(fields=["forwarder", "statement"], name="lrs_delivery_once")
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class Cmi5Session(models.Model):
    """One launch of a cmi5 AU for one learner (cmi5 section 8): the one-time fetch code, the
    token the AU then uses as its HTTP Basic credential (user name: the session id; only the
    secret's hash is kept), what the AU was launched with, and how far the session got. The
    LRS accepts the AU's statements and documents for this actor and registration only
    (`lrs/cmi5.py`)."""

    session_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    fetch_hash = models.CharField(max_length=64, unique=True)
    secret_hash = models.CharField(max_length=64, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    registration = models.UUIDField()
    activity_id = models.CharField(max_length=2048)  # Balie's id of the AU
    publisher_id = models.CharField(max_length=2048)  # the AU's id in cmi5.xml
    move_on = models.CharField(max_length=20)
    mastery_score = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    launch_mode = models.CharField(max_length=8, default="Normal")
    launched_at = models.DateTimeField()
    initialized_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)
    last_statement_at = models.DateTimeField(null=True, blank=True)
    # The cmi5 defined verbs the AU used in this session (each at most once).
    verbs = models.JSONField(default=list)

    class Meta:
        indexes = [
            models.Index(fields=["account", "registration"], name="lrs_cmi5_session_open"),
        ]

    def __str__(self) -> str:
        return str(self.session_id)
