"""Permissions, proven (QUALITY C1–C3): every URL as every role, with another library's ids.

1. The URL inventory: every named pattern is either public (an explicit allowlist below) or
   refuses an anonymous visitor. A new URL without a guard fails here by its name.
2. Two complete worlds — Helmond-Peel (under Cubiss) and Hilversum (under Probiblio) — each with
   one object of every kind a URL takes an id of. Every URL with an id is requested with the
   OTHER world's ids, as a GET and as a hostile POST (the minimal body each form needs, with
   the other world's ids, confirmations and texts: it would change something if a guard were
   missing), by every person of the first world's cast and then, the mirror, by the second
   world's people with the first world's ids. Each request must be refused (403/404/405 or a
   redirect to the login), must not show the other world's secret marker, and must change
   nothing of the other world: a request that issued a write statement is followed by a hash
   of every row of the other world, compared with the one from before the walk (and the hash
   is compared after each visitor anyway). A GET must write nothing at all.
3. The walk prints how many URL × role combinations (and requests) it made.
4. Customers' contact data (a hand-over's first name and phone or e-mail): every page of the
   own library, and every page of the management site, as every role; the data show only
   where CONTACT_SHOWN_TO says, and each time they do, the audit log records it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from balie.carousel import actions as carousel_actions
from balie.carousel.models import Assignment, CarouselEvent, Round, SignUp, Station
from balie.cohorts import actions as cohort_actions
from balie.cohorts import calendar as cohort_calendar
from balie.cohorts.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    Cohort,
    Material,
    Meeting,
    Outcome,
    OutcomeKind,
    Participant,
    ReminderSent,
)
from balie.desk import actions as desk_actions
from balie.desk import handover_actions
from balie.desk.models import (
    Channel,
    DeskSettings,
    HandOver,
    Intake,
    IntakeSource,
    Need,
    Offer,
    OfferKind,
    Purge,
    Referral,
    Slot,
)
from balie.insights import actions as insight_actions
from balie.insights.models import Invitation, Response
from balie.learning import actions as learning_actions
from balie.learning.models import (
    LocalBlock,
    Module,
    ModuleProgress,
    Note,
    Step,
    StepProgress,
    StepVisit,
)
from balie.lrs.models import Account, Statement
from balie.orgs.actions import save_directory_entry
from balie.orgs.models import DirectoryEntry, Membership, Organisation, Role, Specialism, User
from balie.personas import actions as persona_actions
from balie.personas.models import Persona, PersonaKind
from balie.scorm.actions import import_package
from balie.scorm.models import Attempt
from balie.scorm.tests import zips as scorm_zips
from balie.security.models import AuditAction, AuditEvent
from balie.testing import BaseTestCase, make_person

# --- 1. The inventory ------------------------------------------------------------------------

# Reachable without logging in, on purpose.
PUBLIC = {
    "login",  # the login page itself
    "logout",  # logging out (POST); harmless without a session
    "set_language",  # the language switch, also on the login page
    "health_live",  # liveness for the load balancer; never touches the database
    "health_ready",  # readiness: "SELECT 1"
    "cohorts:calendar_feed",  # calendar clients cannot log in: the secret token is the key
    "admin:login",  # the management site's own login page
    # A forgotten password and the invitation's activation link (orgs/accounts.py): for people
    # who cannot log in; the signed one-time token in the link is the key
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "activate",
    "activation_new_link",  # sends a new invitation only to the account's own address
    "privacy_notice",  # read before accepting it on the activation page
    # Logging in with the library's own account (balie/security/sso.py): the form on the login
    # page (POST), and where the library's provider sends the browser back to (allauth's callback)
    "security:sign_on",
    "openid_connect_callback",
    # cmi5's fetch URL (POST, once): the AU may run on another origin without Balie's
    # session; the unguessable one-time code from the launch is the key (balie/lrs/cmi5.py)
    "lrs:cmi5_fetch",
    "lrs:about",  # xAPI: the About resource is open to anyone (the spec); the others need a
    # client's HTTP Basic credentials (401) — their per-organisation scope: balie/lrs/tests
}

# Sample values to build a URL for each kind of path parameter, by name.
SAMPLE_ARGS = {
    "pk": "1",
    "token": "not-a-token",
    "uidb64": "MQ",
    "path": "personas/none.png",
    "app_label": "orgs",
    "object_id": "1",
    "content_type_id": "1",
    "url": "x",
    "card": "0b7e6a52-3c1e-4f37-9a51-6f1d2c9e8a40",  # an appointment card's unguessable id
}


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str
    params: tuple[str, ...]


def _params(pattern) -> list[str]:
    regex = pattern.pattern.regex
    return list(regex.groupindex)


def walk_urls(patterns=None, prefix: str = "", namespace: str | None = None, params=()):
    """Every URL pattern of the project, through every include, with its full name."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        here = tuple(params) + tuple(_params(entry))
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk_urls(entry.url_patterns, prefix + str(entry.pattern), inner, here)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(name, prefix + str(entry.pattern), here)


def is_login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    target = urlsplit(response["Location"]).path
    return target in (resolve_url(settings.LOGIN_URL), reverse("admin:login"))


def is_refusal(response) -> bool:
    return response.status_code in (401, 403, 404, 405) or is_login_redirect(response)


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


class UrlInventoryTests(BaseTestCase):
    def test_every_named_url_is_public_or_refuses_an_anonymous_visitor(self) -> None:
        routes = [r for r in walk_urls() if r.name]
        names = {r.name for r in routes}
        self.assertTrue(names >= PUBLIC, f"allowlisted but gone: {sorted(PUBLIC - names)}")
        unguarded = []
        walked = 0
        for route in routes:
            kwargs = {p: SAMPLE_ARGS.get(p, "1") for p in route.params}
            try:
                url = reverse(route.name, kwargs=kwargs or None)
            except Exception as error:  # noqa: BLE001 - reported with the name
                unguarded.append(f"{route.name}: cannot build a URL ({error})")
                continue
            for method in ("get", "post"):
                walked += 1
                with self.subTest(url=route.name, method=method):
                    response = getattr(self.client, method)(url)
                    self.assertLess(response.status_code, 500, url)
                    if route.name in PUBLIC:
                        continue
                    if not is_refusal(response):
                        unguarded.append(
                            f"{route.name} {method.upper()} {url}: {response.status_code}"
                        )
        report = f"URL inventory: {len(routes)} named patterns, {walked} anonymous requests"
        print(f"\n{report}")  # noqa: T201 - the walk reports its size
        if unguarded:
            self.fail("named URLs that an anonymous visitor can use:\n" + "\n".join(unguarded))

    def test_unnamed_patterns_are_only_the_admin_catch_all(self) -> None:
        unnamed = [r.route for r in walk_urls() if not r.name]
        self.assertTrue(all(r.startswith("beheer/") for r in unnamed), unnamed)


# --- 2. Two worlds ---------------------------------------------------------------------------


@dataclass
class World:
    """One library with one object of every kind a URL takes an id of."""

    marker: str  # in every free text of this world: it must never show in the other one
    library: Organisation
    poi: Organisation
    learner: User
    manager: User
    taalhuis: User
    adviser: User
    cohort: Cohort | None = None
    meeting: Meeting | None = None
    event: CarouselEvent | None = None
    offer: Offer | None = None
    referral: Referral | None = None
    slot: Slot | None = None
    free_slot: Slot | None = None
    handover: HandOver | None = None
    intake: Intake | None = None
    persona: Persona | None = None
    local_block: LocalBlock | None = None
    note: Note | None = None
    invitation: Invitation | None = None
    entry: DirectoryEntry | None = None

    @property
    def cast(self) -> dict[str, User]:
        return {
            "desk staff": self.learner,
            "manager": self.manager,
            "taalhuis": self.taalhuis,
            "adviser": self.adviser,
        }


def build_world(world: World, module: Module, step: Step) -> World:
    """Everything through Balie's own actions, as the people of `world` would make it."""
    now = timezone.now()
    today = timezone.localdate()
    secret = world.marker
    lib = world.library

    world.cohort = cohort_actions.start_cohort(
        module.programme,
        library=lib,
        name=f"Team {secret}",
        adviser=world.adviser,
        manager=world.manager,
        starts_on=today,
        participants=[world.learner],
    )
    meeting = world.cohort.meetings.order_by("position").first()
    world.meeting = cohort_actions.update_meeting(
        meeting,
        version=meeting.version,
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=2),
        room=f"Zaal {secret}",
        agenda=[AgendaItem(title=f"Agenda {secret}", minutes=20, presenter=world.manager)],
    )
    cohort_actions.add_material(world.meeting, title=f"Hand-out {secret}", url="https://x.test/a")
    cohort_actions.add_outcome(world.meeting, kind=OutcomeKind.QUESTION, text=f"Vraag {secret}")
    cohort_actions.record_attendance(
        world.meeting, world.learner, status=AttendanceStatus.ABSENT, revision=1, by=world.adviser
    )
    cohort_calendar.feed_token_for(world.learner)

    world.event = carousel_actions.create_event(
        lib,
        title=f"Carrousel {secret}",
        date=today,  # held today: the attendance form would accept marks
        place=f"Plein {secret}",
        capacity=None,
        stations=[carousel_actions.StationPlan(topic=f"Station {secret}", host=world.taalhuis)],
        rounds=[(dt.time(10, 0), dt.time(10, 30)), (dt.time(10, 30), dt.time(11, 0))],
    )
    carousel_actions.sign_up(
        world.event,
        world.learner,
        free_rounds=list(world.event.rounds.all()),
        chosen_stations=[],
        by=world.learner,
    )

    world.offer = desk_actions.save_offer(
        lib,
        {
            "kind": OfferKind.INTAKE,
            "name": f"Intake {secret}",
            "description": f"Voor {secret}",
            "needs": [Need.LANGUAGE],
            "takes_appointments": True,
        },
    )
    world.referral = desk_actions.log_referral(
        client_id=uuid.uuid4(),
        offer=world.offer,
        need=Need.LANGUAGE,
        warm=True,
        branch=None,
        channel=Channel.DESK,
    ).referral
    first = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=3), dt.time(10, 0)))
    handover_actions.add_slots(
        lib,
        handover_actions.SlotPlan(
            colleague=world.taalhuis,
            first=first,
            minutes=30,
            place=f"Kamer {secret}",
            branch=None,
            weeks=2,
        ),
    )
    world.slot, world.free_slot = Slot.objects.filter(library=lib).order_by("starts_at")
    world.handover = handover_actions.book(
        world.slot.pk,
        offer=world.offer,
        need=Need.LANGUAGE,
        branch=None,
        consent_text="Mag dat?",
        consent_at=now,
        first_name=f"Klant{secret}",
        contact=f"klant.{secret.lower()}@example.org",
    )
    world.intake = handover_actions.log_intake(lib, held_on=today, source=IntakeSource.PARTNER)
    DeskSettings.objects.create(library=lib, phone="0123456789")

    world.persona = persona_actions.save_persona(
        Persona(
            name=f"Persona {secret}",
            kind=PersonaKind.CUSTOMER,
            story=f"Verhaal {secret}",
            library=lib,
        ),
        by=world.manager,
    )
    world.local_block = learning_actions.save_local_block(
        module,
        library=lib,
        how_we_do_it=f"Zo doen wij het {secret}",
        activities="",
        partners="",
        colleagues=[world.taalhuis],
        by=world.manager,
    )
    world.note = learning_actions.save_note(
        world.learner, step, body=f"Mijn notitie {secret}", revision=1
    ).note
    learning_actions.complete_step(world.learner, step)
    world.invitation = insight_actions.invite_for_module(world.learner, module)
    world.entry = save_directory_entry(
        by=world.manager,
        library=lib,
        person=world.taalhuis,
        role_title=f"Taalhuis {secret}",
        how_to_reach="Toestel 200",
        note=f"Notitie {secret}",
    )
    return world


def world_rows(world: World) -> dict[str, list]:
    """All rows of `world`, by table: what no request of the other world may change."""
    lib, poi = world.library, world.poi
    orgs = [lib, poi]
    people = list(
        User.objects.filter(memberships__organisation__in=orgs).values_list("pk", flat=True)
    )
    in_cohort = {"cohort__library": lib}
    in_meeting = {"meeting__cohort__library": lib}
    in_event = {"event__organiser__in": orgs}
    tables = {
        "organisation": Organisation.objects.filter(pk__in=[lib.pk, poi.pk]),
        "user": User.objects.filter(pk__in=people),
        "membership": Membership.objects.filter(user__in=people),
        "cohort": Cohort.objects.filter(library=lib),
        "participant": Participant.objects.filter(**in_cohort),
        "meeting": Meeting.objects.filter(**in_cohort),
        "meeting preparation": Meeting.preparation.through.objects.filter(
            meeting__cohort__library=lib
        ),
        "agenda item": AgendaItem.objects.filter(**in_meeting),
        "material": Material.objects.filter(**in_meeting),
        "outcome": Outcome.objects.filter(**in_meeting),
        "attendance": Attendance.objects.filter(**in_meeting),
        "reminder": ReminderSent.objects.filter(**in_meeting),
        "calendar feed": CalendarFeed.objects.filter(user__in=people),
        "carousel": CarouselEvent.objects.filter(organiser__in=orgs),
        "station": Station.objects.filter(**in_event),
        "round": Round.objects.filter(**in_event),
        "sign-up": SignUp.objects.filter(**in_event),
        "sign-up rounds": SignUp.free_rounds.through.objects.filter(
            signup__event__organiser__in=orgs
        ),
        "sign-up stations": SignUp.chosen_stations.through.objects.filter(
            signup__event__organiser__in=orgs
        ),
        "assignment": Assignment.all_objects.filter(**in_event),
        "offer": Offer.objects.filter(library=lib),
        "referral": Referral.objects.filter(library=lib),
        "desk settings": DeskSettings.objects.filter(library=lib),
        "slot": Slot.objects.filter(library=lib),
        "hand-over": HandOver.objects.filter(library=lib),
        "intake": Intake.objects.filter(library=lib),
        "purge": Purge.objects.filter(library=lib),
        "persona": Persona.objects.filter(library=lib),
        "local block": LocalBlock.objects.filter(library=lib),
        "local block colleagues": LocalBlock.colleagues.through.objects.filter(
            localblock__library=lib
        ),
        "note": Note.objects.filter(user__in=people),
        "module progress": ModuleProgress.objects.filter(user__in=people),
        "step progress": StepProgress.objects.filter(user__in=people),
        "step visit": StepVisit.objects.filter(user__in=people),
        "invitation": Invitation.objects.filter(user__in=people),
        "response": Response.objects.filter(library=lib),
        "directory entry": DirectoryEntry.objects.filter(library=lib),
        "directory topics": DirectoryEntry.topics.through.objects.filter(
            directoryentry__library=lib
        ),
        "scorm attempt": Attempt.objects.filter(user__in=people),
        "xapi account": Account.objects.filter(user__in=people),
        "statement": Statement.objects.filter(organisation__in=orgs),
    }
    return {name: list(qs.order_by("pk").values()) for name, qs in tables.items()}


def fingerprint(world: World) -> str:
    return hashlib.sha256(repr(world_rows(world)).encode()).hexdigest()


WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)

# Which object of the target world each URL with an id gets.
ID_OF = {
    "carousel:event": "event",
    "carousel:event_signup": "event",
    "carousel:event_withdraw": "event",
    "carousel:event_schedule": "event",
    "carousel:my_schedule": "event",
    "carousel:my_schedule_ics": "event",
    "carousel:schedule_preview": "event",
    "carousel:event_cancel": "event",
    "carousel:attendance": "event",
    "carousel:refresher": "event",
    "cohorts:cohort": "cohort",
    "cohorts:team": "cohort",
    "cohorts:participants_import": "cohort",
    "cohorts:meeting": "meeting",
    "cohorts:meeting_edit": "meeting",
    "cohorts:meeting_cancel": "meeting",
    "cohorts:meeting_attendance": "meeting",
    "cohorts:outcome_add": "meeting",
    "cohorts:material_add": "meeting",
    "cohorts:caught_up": "meeting",
    "cohorts:meeting_ics": "meeting",
    "desk:offer_edit": "offer",
    "desk:offer_active": "offer",
    "desk:offer_delete": "offer",
    "desk:card": "handover",
    "desk:card_mail": "handover",
    "desk:outcome": "handover",
    "desk:slot_cancel": "free_slot",
    "insights:library": "library",
    "insights:poi": "poi",
    "insights:library_report": "library",
    "insights:poi_report": "poi",
    "insights:evaluate": "invitation",
    "directory_edit": "entry",
    "team_resend": "learner",
    "team_end": "learner",
    "directory_remove": "entry",
    "personas:detail": "persona",
    "personas:card": "persona",
    "personas:edit": "persona",
    "personas:delete": "persona",
}

# URLs whose id is national content (a module or a step), the same for every library: any
# logged-in person may open them. They act on the visitor's OWN rows, so the check is that
# they neither show nor change anything of the other world.
SHARED_CONTENT = {
    "learning:module": "module",
    "learning:module_done": "module",
    "learning:local_block": "module",
    "learning:local_block_edit": "module",
    "learning:step": "reflection_step",
    "learning:step_next": "reflection_step",
    "learning:step_answer": "check_step",
    "learning:step_time": "reflection_step",
    "learning:note_save": "reflection_step",
    "insights:evaluate_module": "module",
    "scorm:upload": "module",
    "scorm:replace": "scorm_step",
    "scorm:start": "scorm_package",
    "scorm:cmi5_launch": "scorm_package",
    "scorm:retry": "scorm_package",
}

# Paths with an id that this walk leaves to others, and why.
NOT_WALKED = {
    "cohorts:calendar_feed",  # public by design: the unguessable token is the key
    "media",  # a path, not an id: scoped by the holder's visible_to (balie/tests/test_media.py)
}

# National roles (editor, administrator) reach every library's cohorts, carousels, persona's and
# dashboards by design: the `visible_to`, `led_by` and `organised_by` QuerySets answer everything
# for `access.is_national`. For these URLs the editor only GETs (which must change nothing);
# her POSTs would legitimately change the other library and are not walked.
NATIONAL_REACH = {
    "carousel:event",  # EventQuerySet.visible_to
    "carousel:event_signup",  # (POST only)
    "carousel:event_withdraw",  # (POST only; she has no sign-up: a redirect, no change)
    "carousel:event_schedule",  # organised_by (POST only)
    "carousel:my_schedule",
    "carousel:my_schedule_ics",
    "carousel:schedule_preview",  # organised_by
    "carousel:event_cancel",  # organised_by (POST only)
    "carousel:attendance",  # organised_by
    "carousel:refresher",
    "cohorts:cohort",  # CohortQuerySet.visible_to
    "cohorts:team",  # figures only, never per person (she is no manager of the library)
    "cohorts:participants_import",  # led_by: editors run cohorts
    "cohorts:meeting",
    "cohorts:meeting_edit",  # led_by
    "cohorts:meeting_cancel",  # led_by
    "cohorts:meeting_attendance",  # led_by
    "cohorts:outcome_add",  # led_by (POST only)
    "cohorts:material_add",  # led_by (POST only)
    "cohorts:meeting_ics",
    "insights:library",  # the dashboards: the country sees every library
    "insights:poi",
    "insights:library_report",
    "insights:poi_report",
    "personas:detail",  # PersonaQuerySet.visible_to
    "personas:card",
    # query-string probes
    "desk:offers",  # organisations_visible_to: every library's catalogue
    "directory",  # every library's "wie doet wat"
    "directory_card",
    "learning:local_block",  # LocalBlockQuerySet.visible_to
}

# Ids in the query string or form rather than the path: the other world's, by name. These
# pages may answer 200 (they fall back to the visitor's own library); they must not show or
# change the other world.
QUERY_PROBES = {
    "desk:offers": lambda w: {"library": w.library.pk},
    "desk:offer_new": lambda w: {"library": w.library.pk},
    "desk:tally": lambda w: {"library": w.library.pk},
    "desk:tally_undo": lambda w: {"token": desk_actions.undo_token(w.referral.client_id)},
    "desk:settings": lambda w: {"library": w.library.pk},
    "desk:slots": lambda w: {"colleague": w.taalhuis.pk},
    "desk:book": lambda w: {
        "offer": w.offer.pk,
        "need": Need.LANGUAGE,
        "slot": w.free_slot.pk,
        "referral": str(w.referral.client_id),
    },
    "desk:intake_new": lambda w: {"library": w.library.pk},
    "directory": lambda w: {"bibliotheek": w.library.slug},
    "directory_card": lambda w: {"bibliotheek": w.library.slug},
    "directory_new": lambda w: {"bibliotheek": w.library.slug},
    "team": lambda w: {"bibliotheek": w.library.slug},
    "team_add": lambda w: {"bibliotheek": w.library.slug},
    "personas:new": lambda w: {"library": w.library.pk},
    "cohorts:cohort_new": lambda w: {"library": w.library.pk},
    "carousel:event_new": lambda w: {"organiser": w.library.pk},
    "learning:local_block": lambda w: {"bibliotheek": w.library.slug},
    "learning:local_block_edit": lambda w: {"bibliotheek": w.library.slug},
}


def hostile_body(world: World) -> dict:
    """A body that would change `world` if a view forgot its guard: confirmations, the
    world's own people, offer, slot and referral, and texts to overwrite."""
    return {
        "confirm": "yes",
        "active": "0",
        "outcome": "cancelled",
        "person": world.learner.pk,
        "status": "present",
        "revision": "999",
        "kind": OutcomeKind.AGREEMENT,
        "text": "overwritten",
        "title": "overwritten",
        "url": "https://example.org/overwritten",
        "name": "overwritten",
        "library": world.library.pk,
        "organiser": world.library.pk,
        "offer": world.offer.pk,
        "need": Need.LANGUAGE,
        "slot": world.free_slot.pk,
        "step": "consent",
        "without": "1",
        "referral": str(world.referral.client_id),
        "how_we_do_it": "overwritten",
        "body": "overwritten",
        f"present_{world.event.signups.get().pk}": "1",
        "held_on": timezone.localdate().isoformat(),
        "source": IntakeSource.SELF,
        "retention_days": "1",
        "phone": "0000",
    }


# --- 4. Customers' contact data ----------------------------------------------------------------

# The pages that show a customer's first name or contact to each role, in the own library.
# Every other role — the rest of the desk, the manager, the POI adviser, the editor and the
# administrator — sees hand-overs only as figures, on no page and not in the management site.
CONTACT_SHOWN_TO = {
    "desk staff who booked": {"desk:card"},  # the first name on the card, in that session
    "taalhuis": {"desk:taalhuis", "desk:card"},
}
# Path parameters the contact walk cannot fill with the own world's objects (links from
# e-mails, files, login providers); those pages hold no hand-over.
CONTACT_WALK_SKIPS = {"token", "uidb64", "path", "provider_id", "code"}


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class EveryUrlAsEveryRoleTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_manager = make_person(
            "mark@hilversum.test", "Mark de Boer", cls.other_library, Role.MANAGER
        )
        cls.other_taalhuis = make_person(
            "tess@hilversum.test",
            "Tess Smit",
            cls.other_library,
            Role.SPECIALIST,
            specialism=Specialism.TAALHUIS_COORDINATOR,
        )
        cls.other_adviser = make_person(
            "piet@probiblio.test", "Piet Mulder", cls.other_poi, Role.ADVISER
        )
        cls.scorm_package = import_package(
            io.BytesIO(scorm_zips.package()), module=cls.module, by=cls.editor
        )
        cls.scorm_step = cls.scorm_package.step
        cls.home = build_world(
            World(
                marker="Zq7Helmond",
                library=cls.library,
                poi=cls.poi,
                learner=cls.alice,
                manager=cls.manager,
                taalhuis=cls.taalhuis,
                adviser=cls.adviser,
            ),
            cls.module,
            cls.reflection_step,
        )
        cls.away = build_world(
            World(
                marker="Zq7Hilversum",
                library=cls.other_library,
                poi=cls.other_poi,
                learner=cls.outsider,
                manager=cls.other_manager,
                taalhuis=cls.other_taalhuis,
                adviser=cls.other_adviser,
            ),
            cls.module,
            cls.reflection_step,
        )

    # -- helpers ------------------------------------------------------------------------------

    def id_routes(self) -> list[Route]:
        return [r for r in walk_urls() if r.name and {"pk", "card"} & set(r.params)]

    def url_for(self, route: Route, target: World) -> str:
        if "card" in route.params:  # the appointment card, by its unguessable id
            return reverse(route.name, kwargs={"card": target.handover.card_token})
        if route.name in ID_OF:
            attribute = ID_OF[route.name]
            pk = getattr(target, attribute).pk
        else:
            pk = getattr(self, SHARED_CONTENT[route.name]).pk
        extra = {"path": "index.html"} if "path" in route.params else {}
        if "index" in route.params:  # a cmi5 course's first AU
            extra["index"] = 0
        return reverse(route.name, kwargs={"pk": pk, **extra})

    def walk(self, visitors: dict[str, User | None], target: World) -> list[str]:
        """Request every URL with `target`'s ids as each visitor; answer the problems."""
        problems: list[str] = []
        self.baseline = fingerprint(target)
        self.hostile = hostile_body(target)
        routes = self.id_routes()
        for role, person in visitors.items():
            self.client.logout()
            if person is not None:
                self.client.force_login(person)
            national = role == "editor"
            for route in routes:
                if route.name.startswith("admin:"):
                    continue
                url = self.url_for(route, target)
                self.check(route.name, url, {}, role, national, target, problems)
                self.tally["combinations"] += 1
            for name, params in QUERY_PROBES.items():
                args = [self.module.pk] if name.startswith("learning:") else []
                url = f"{reverse(name, args=args)}?{urlencode(params(target))}"
                self.check(name, url, params(target), role, national, target, problems)
                self.tally["combinations"] += 1
            self.tally["roles"] += 1
            # A belt to the braces above: the whole world, after each visitor.
            self.tally["fingerprints"] += 1
            if fingerprint(target) != self.baseline:
                problems.append(f"{role}: the other library's data changed during the walk")
        return problems

    def check(self, name, url, form, role, national, target, problems) -> None:
        shared = name in SHARED_CONTENT or name in QUERY_PROBES
        reach = national and name in NATIONAL_REACH
        # One POST: the hostile body is the minimal one each form needs, with the other
        # world's ids, so that a missing guard shows as a change.
        bodies = [("GET", None)] if reach else [("GET", None), ("POST", {**self.hostile, **form})]
        for method, body in bodies:
            self.tally["requests"] += 1
            with self.subTest(url=name, role=role, method=method):
                with CaptureQueriesContext(connection) as queries:
                    post = body is not None
                    response = self.client.post(url, body) if post else self.client.get(url)
                where = f"{name} {method} {url} as {role}"
                status = response.status_code
                if status >= 500:
                    problems.append(f"{where}: {status}")
                    self.fail(f"{where}: {status}")
                if not (shared or reach) and not is_refusal(response):
                    location = response.get("Location", "")
                    problems.append(f"{where}: not refused ({status} {location})")
                if not reach and target.marker.encode() in body_of(response):
                    problems.append(f"{where}: shows the other library's data ({status})")
                # Without a write statement nothing can have changed; with one, compare every
                # row of the other world with how it was before the walk.
                writes = [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])]
                if not post and [w for w in writes if "django_session" not in w]:
                    problems.append(f"{where}: a GET wrote to the database")
                if writes:
                    self.tally["fingerprints"] += 1
                    now = fingerprint(target)
                    if now != self.baseline:
                        problems.append(f"{where}: CHANGED the other library's data ({status})")
                        self.baseline = now  # report each change once

    # -- the tests ----------------------------------------------------------------------------

    def test_every_url_with_an_id_is_mapped_to_an_object(self) -> None:
        """A new URL with an id must say here which object it takes, so that it is walked."""
        names = {r.name for r in self.id_routes() if not r.name.startswith("admin:")}
        known = set(ID_OF) | set(SHARED_CONTENT) | NOT_WALKED
        self.assertEqual(sorted(names - known), [], "add these URLs to ID_OF or SHARED_CONTENT")
        self.assertEqual(sorted(set(ID_OF) - names), [], "ID_OF names URLs that are gone")
        all_names = {r.name for r in walk_urls() if r.name}
        self.assertEqual(sorted(set(QUERY_PROBES) - all_names), [], "probes of gone URLs")

    def test_the_worlds_are_complete_and_apart(self) -> None:
        for world in (self.home, self.away):
            rows = world_rows(world)
            for table in (
                "cohort",
                "meeting",
                "agenda item",
                "material",
                "outcome",
                "attendance",
                "carousel",
                "station",
                "round",
                "sign-up",
                "offer",
                "referral",
                "slot",
                "hand-over",
                "intake",
                "persona",
                "local block",
                "note",
                "invitation",
                "directory entry",
                "calendar feed",
            ):
                self.assertTrue(rows[table], f"{world.marker}: no {table}")
            self.assertTrue(world.handover.contact)  # contact data, with consent
        # The cast of one world has no role in the other.
        home_people = {p.pk for p in self.home.cast.values()}
        away_people = {p.pk for p in self.away.cast.values()}
        self.assertFalse(
            Membership.objects.filter(
                user__in=home_people, organisation__in=[self.other_library, self.other_poi]
            ).exists()
            or Membership.objects.filter(
                user__in=away_people, organisation__in=[self.library, self.poi]
            ).exists()
        )

    def test_every_url_as_every_role_with_the_other_librarys_ids(self) -> None:
        self.tally = {"combinations": 0, "roles": 0, "requests": 0, "fingerprints": 0}
        visitors = {**self.home.cast, "editor": self.editor, "anonymous": None}
        problems = self.walk(visitors, self.away)
        # The mirror: Hilversum's people with Helmond-Peel's ids.
        problems += self.walk(self.away.cast, self.home)
        print(  # noqa: T201 - the walk reports its size
            f"\nPermission walk: {self.tally['combinations']} URL × role combinations "
            f"({self.tally['roles']} roles), {self.tally['requests']} requests, "
            f"{self.tally['fingerprints']} comparisons of the other world's rows"
        )
        if problems:
            self.fail(f"{len(problems)} problems:\n" + "\n".join(problems))

    def test_own_world_is_reachable(self) -> None:
        """The walk's refusals mean something: the same pages open for the right people."""
        own = [
            (self.manager, "cohorts:cohort", self.home.cohort),
            (self.adviser, "cohorts:meeting_edit", self.home.meeting),
            (self.taalhuis, "carousel:attendance", self.home.event),
            (self.manager, "desk:offer_edit", self.home.offer),
            (self.taalhuis, "desk:slot_cancel", self.home.free_slot),
            (self.manager, "insights:library", self.library),
            (self.adviser, "insights:poi", self.poi),
            (self.alice, "insights:evaluate", self.home.invitation),
            (self.manager, "directory_edit", self.home.entry),
            (self.manager, "personas:edit", self.home.persona),
            (self.outsider, "personas:detail", self.away.persona),
        ]
        for person, name, obj in own:
            with self.subTest(url=name, person=person.email):
                self.client.force_login(person)
                response = self.client.get(reverse(name, args=[obj.pk]))
                self.assertIn(response.status_code, (200, 302), name)
                if name != "desk:slot_cancel":  # a free slot's cancel page redirects
                    self.assertEqual(response.status_code, 200, name)

    # -- 4. contact data ----------------------------------------------------------------------

    def book_at_the_desk(self, client: Client, first_name: str, contact: str) -> HandOver:
        """A hand-over booked through the pages, so that the booking session holds its card."""
        booking = {"offer": self.home.offer.pk, "need": Need.LANGUAGE}
        booking["slot"] = self.home.free_slot.pk
        consent = client.post(reverse("desk:book"), {**booking, "step": "consent", "agrees": "on"})
        contact_step = {"step": "contact", "token": consent.context["token"]}
        client.post(
            reverse("desk:book"),
            {**booking, **contact_step, "first_name": first_name, "contact": contact},
        )
        return HandOver.objects.get(slot=self.home.free_slot)

    def own_urls(self, card: HandOver) -> list[tuple[str, str]]:
        """Every page of the project, with the own world's ids where it takes one."""
        urls = []
        for route in walk_urls():
            if not route.name or route.name.startswith("admin:"):
                continue
            if CONTACT_WALK_SKIPS & set(route.params):
                continue
            if "card" in route.params:
                urls.append((route.name, reverse(route.name, kwargs={"card": card.card_token})))
            elif "pk" in route.params:
                urls.append((route.name, self.url_for(route, self.home)))
            else:
                urls.append((route.name, reverse(route.name)))
        return urls

    def admin_urls(self) -> list[str]:
        """The management site: every list (also searched for the customer), every record's
        first change page and history."""
        urls = [reverse("admin:index")]
        for model in admin.site._registry:
            name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            urls += [reverse(f"{name}_changelist"), reverse(f"{name}_changelist") + "?q=Zq7"]
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                urls += [
                    reverse(f"{name}_change", args=[first.pk]),
                    reverse(f"{name}_history", args=[first.pk]),
                ]
        return urls

    def test_contact_data_only_for_who_booked_and_the_taalhuis(self) -> None:
        self.administrator = make_person("beheer@spn.test", "Bea Heer", self.national, Role.ADMIN)
        desk = Client()
        desk.force_login(self.alice)
        booked = self.book_at_the_desk(desk, "Zq7Voornaam", "zq7.adres@example.org")
        markers = [
            b"Zq7Voornaam",
            b"zq7.adres@example.org",
            self.home.handover.first_name.encode(),
            self.home.handover.contact.encode(),
        ]
        visitors = {
            "desk staff who booked": desk,
            "desk staff": self.bob,
            "manager": self.manager,
            "taalhuis": self.taalhuis,
            "adviser": self.adviser,
            "editor": self.editor,
            "administrator": self.administrator,
        }
        urls = self.own_urls(booked)
        problems = []
        requests = 0
        pages = urls + [("admin", url) for url in self.admin_urls()]
        for role, visitor in visitors.items():
            if isinstance(visitor, Client):  # the booking session
                client, person = visitor, self.alice
            else:
                client, person = Client(), visitor
                client.force_login(person)
            views = AuditEvent.objects.filter(action=AuditAction.CONTACT_SHOWN, actor=person)
            shown = set()
            for name, url in pages:
                requests += 1
                before = views.count()
                response = client.get(url)
                logged = views.count() - before
                self.assertLess(response.status_code, 500, f"{url} as {role}")
                body = body_of(response)
                if any(marker in body for marker in markers):
                    shown.add(name)
                    if logged < 1:
                        problems.append(f"{role} saw contact data on {url}: not in the audit log")
                elif logged:
                    problems.append(f"{role}: {url} logged contact data it did not show")
            expected = CONTACT_SHOWN_TO.get(role, set())
            if shown != expected:
                problems.append(
                    f"{role}: contact data on {sorted(shown)}, expected {sorted(expected)}"
                )
        print(  # noqa: T201 - the walk reports its size
            f"\nContact-data walk: {len(visitors)} roles, {requests} requests"
        )
        if problems:
            self.fail(f"{len(problems)} problems:\n" + "\n".join(problems))
