"""The LMS side of cmi5: a cmi5 course is a package (version "cmi5") of a step; a learner has
one registration per course; launching an AU redirects the learner's window to it with the
cmi5 launch parameters; and moveOn decides, after every batch of the AU's statements, which
blocks and whether the course are satisfied. The course satisfied is the step done.

The LRS side (the token, LMS.LaunchData, the statement rules) is `balie.lrs.cmi5`; this module
gives it plain values, as the other apps give `lrs.record` theirs.

Balie's own ids (cmi5 requires that they differ from the publisher's ids in cmi5.xml, and stay
the same for every registration): `<BALIE_XAPI_IRI_BASE>/steps/<step>/cmi5` for the course,
`…/cmi5/blocks/<hash>` and `…/cmi5/aus/<hash>` for blocks and AUs, the hash being the first 16
hex digits of the SHA-1 of the publisher's id, so a new version of the package keeps them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from balie.learning import actions as learning
from balie.learning.models import StepProgress
from balie.lrs import cmi5 as lrs_cmi5
from balie.orgs.access import get_for
from balie.orgs.models import User
from balie.scorm import content
from balie.scorm.models import Package, Registration, Version

# The names cmi5 gives its launch parameters; an AU url's own query may not use them.
LAUNCH_PARAMETERS = ("endpoint", "fetch", "actor", "registration", "activityId")
MOVE_ON_WORDS = {
    "Passed": _("pass the test"),
    "Completed": _("finish it"),
    "CompletedAndPassed": _("finish it and pass the test"),
    "CompletedOrPassed": _("finish it or pass the test"),
    "NotApplicable": _("open it (it counts as done)"),
}


def _hash(publisher_id: str) -> str:
    return hashlib.sha1(publisher_id.encode(), usedforsecurity=False).hexdigest()[:16]


def course_id(package: Package) -> str:
    return f"{settings.BALIE_XAPI_IRI_BASE.rstrip('/')}/steps/{package.step_id}/cmi5"


def au_id(package: Package, publisher_id: str) -> str:
    return f"{course_id(package)}/aus/{_hash(publisher_id)}"


def block_id(package: Package, publisher_id: str) -> str:
    return f"{course_id(package)}/blocks/{_hash(publisher_id)}"


def move_on_met(move_on: str, verbs: set[str]) -> bool:
    """Whether an AU's moveOn rule is met by the verbs that stand for it in the
    registration (cmi5 13.1.4); a waived AU has met it whatever the rule."""
    if "waived" in verbs or move_on == "NotApplicable":
        return True
    completed, passed = "completed" in verbs, "passed" in verbs
    return {
        "Completed": completed,
        "Passed": passed,
        "CompletedAndPassed": completed and passed,
        "CompletedOrPassed": completed or passed,
    }.get(move_on, False)


@dataclass(frozen=True)
class AuStatus:
    index: int
    title: str
    blocks: list[str]  # the titles of the blocks it is in, outermost first
    move_on: str
    met: bool
    failed: bool
    own_window: bool

    @property
    def rule(self) -> str:
        return str(MOVE_ON_WORDS.get(self.move_on, self.move_on))


@dataclass(frozen=True)
class CourseStatus:
    aus: list[AuStatus]
    satisfied: bool


def status(package: Package, verbs: dict[str, set[str]]) -> CourseStatus:
    titles = {block["id"]: block["title"] for block in package.cmi5.get("blocks", [])}
    aus = []
    for index, au in enumerate(package.cmi5.get("aus", [])):
        mine = verbs.get(au_id(package, au["id"]), set())
        aus.append(
            AuStatus(
                index=index,
                title=au["title"],
                blocks=[titles.get(block, "") for block in au["blocks"]],
                move_on=au["moveOn"],
                met=move_on_met(au["moveOn"], mine),
                failed="failed" in mine and "passed" not in mine,
                own_window=au["launchMethod"] == "OwnWindow",
            )
        )
    satisfied = "satisfied" in verbs.get(course_id(package), set())
    return CourseStatus(aus=aus, satisfied=satisfied)


def course_status(user: User, package: Package) -> CourseStatus:
    """What the learner has done in the course so far, from the LRS. Reads only."""
    registration = Registration.objects.visible_to(user).filter(package=package).first()
    verbs = lrs_cmi5.verbs_by_activity(registration.registration) if registration else {}
    return status(package, verbs)


def evaluate(registration: Registration, *, session_id: uuid.UUID | None = None) -> bool:
    """Apply moveOn: record `satisfied` for every block whose AUs have all met their rule and
    for the course when all have; the course satisfied marks the step done. Idempotent: each
    satisfied statement has an id that follows from the registration and the object."""
    package = registration.package
    verbs = lrs_cmi5.verbs_by_activity(registration.registration)
    aus = package.cmi5.get("aus", [])
    met = {
        au["id"]: move_on_met(au["moveOn"], verbs.get(au_id(package, au["id"]), set()))
        for au in aus
    }
    reached = []
    for block in package.cmi5.get("blocks", []):
        members = [au["id"] for au in aus if block["id"] in au["blocks"]]
        if members and all(met[member] for member in members):
            reached.append(
                lrs_cmi5.Satisfaction(
                    activity_id=block_id(package, block["id"]),
                    publisher_id=block["id"],
                    title=block["title"],
                    is_course=False,
                )
            )
    course_met = bool(aus) and all(met.values())
    if course_met:
        course = package.cmi5.get("course", {})
        reached.append(
            lrs_cmi5.Satisfaction(
                activity_id=course_id(package),
                publisher_id=course.get("id", ""),
                title=course.get("title", package.title),
                is_course=True,
            )
        )
    user = registration.user
    lrs_cmi5.satisfied(
        user, registration=registration.registration, session_id=session_id, of=reached
    )
    if not course_met:
        return False
    if registration.satisfied_at is None:
        Registration.objects.filter(pk=registration.pk, satisfied_at=None).update(
            satisfied_at=timezone.now()
        )
    step = package.step
    if not StepProgress.objects.filter(user=user, step=step, seen_at__isnull=False).exists():
        learning.complete_step(user, step)
    return True


@receiver(lrs_cmi5.au_statements_stored)
def _after_au_statements(
    sender,
    *,
    user: User,
    registration: uuid.UUID,
    session_id: uuid.UUID,
    launched_at: datetime,
    **kwargs,
) -> None:
    """The AU has recorded something: the session's time so far counts as time on task (from
    the launch to now, like a page's visit), and moveOn is decided again."""
    found = (
        Registration.objects.select_related("package__step", "user")
        .filter(registration=registration, user=user)
        .first()
    )
    if found is None:
        return
    seconds = int((timezone.now() - launched_at).total_seconds())
    learning.record_time(
        user, found.package.step, visit_id=session_id, shown_at=launched_at, active_seconds=seconds
    )
    evaluate(found, session_id=session_id)


def _with_parameters(url: str, parameters: dict[str, str]) -> str:
    """The AU's url with the cmi5 launch parameters merged into its own query (cmi5 13.1.4)."""
    parts = urlsplit(url)
    own = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    own = [(k, v) for k, v in own if k not in LAUNCH_PARAMETERS]
    query = urlencode(own + list(parameters.items()))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@require_POST
def launch(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    """Launch one AU of a cmi5 course for the learner: the registration (made at the first
    launch, when moveOn is first decided), what the LRS records before the launch, then the
    learner's window goes to the AU (allowed for both AnyWindow and OwnWindow). The AU's
    returnURL brings them back to the step."""
    user = request.user
    package = get_for(user, Package.objects.select_related("step"), pk)
    aus = package.cmi5.get("aus", []) if package.version == Version.CMI5 else []
    if not 0 <= index < len(aus):
        raise Http404
    au = aus[index]
    registration, created = Registration.objects.get_or_create(
        user=user, package=package, defaults={"created_at": timezone.now()}
    )
    if created:
        evaluate(registration)
    relative = not urlsplit(au["url"]).scheme
    # A course's own AU plays on the content host, without Balie's cookies: it reaches Balie
    # only through the xAPI endpoint with its token (balie/scorm/content.py).
    launch_url = content.file_url(request, package, au["url"]) if relative else au["url"]
    activity_id = au_id(package, au["id"])
    launched = lrs_cmi5.launch(
        user,
        registration=registration.registration,
        au=lrs_cmi5.AuLaunch(
            activity_id=activity_id,
            publisher_id=au["id"],
            title=au["title"],
            move_on=au["moveOn"],
            mastery_score=au["masteryScore"],
            launch_parameters=au["launchParameters"],
            entitlement_key=au["entitlementKey"],
            launch_url=launch_url,
            return_url=request.build_absolute_uri(reverse("learning:step", args=[package.step_id])),
        ),
    )
    parameters = {
        "endpoint": request.build_absolute_uri(reverse("lrs:about")).rsplit("/", 1)[0] + "/",
        "fetch": request.build_absolute_uri(reverse("lrs:cmi5_fetch", args=[launched.fetch_code])),
        "actor": json.dumps(launched.actor, separators=(",", ":")),
        "registration": str(registration.registration),
        "activityId": activity_id,
    }
    return redirect(_with_parameters(launch_url, parameters))
