"""Verbs for SCORM packages: import one as a new step, replace a step's package; save a
commit of a learner's run-time data for one SCO, the player's time for a package that never
reports, and "Opnieuw proberen" (a new attempt at a failed SCO).

Files and rows: a package is unpacked into a fresh folder first, then its rows are written in
one transaction; if that fails, the folder is removed, so no half-imported package stays
behind. A replaced package's old folder is removed only once the new rows are committed.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from balie.learning import actions as learning
from balie.learning.models import Module, Step, StepKind, StepProgress
from balie.orgs.models import Organisation, Role, User
from balie.scorm import completion, sequencing, statements
from balie.scorm import package as scorm_package
from balie.scorm.cmi import MAX_SESSION_SECONDS, Commit
from balie.scorm.cmi5_package import Course
from balie.scorm.models import Attempt, FinishRule, Package, Session

# Commits within one session are numbered by scorm-again from 1; a session's number is the
# moment (ms) Balie showed the page. Together they order every commit of an attempt.
SEQUENCE_SPAN = 100_000


def _folder_path(folder: str) -> Path:
    return Path(settings.MEDIA_ROOT) / folder


def limits() -> scorm_package.Limits:
    """The limits of one package, from the settings."""
    total = settings.BALIE_PACKAGE_MAX_MB * 2**20
    return scorm_package.Limits(
        files=settings.BALIE_PACKAGE_MAX_FILES,
        total_bytes=total,
        file_bytes=min(scorm_package.Limits.file_bytes, total),
    )


def _unpack(upload: BinaryIO) -> tuple[str, scorm_package.Package]:
    """Check and unpack an upload into a new folder; PackageError leaves nothing behind."""
    folder = f"scorm/{uuid.uuid4().hex}"
    return folder, scorm_package.extract(upload, _folder_path(folder), limits())


def _organisation_of(by: User) -> Organisation | None:
    """Whose storage an editor's upload counts against: the organisation of their editing
    role (the national one, as a rule)."""
    editing = [m for m in by.active_memberships if m.role in (Role.EDITOR, Role.ADMIN)]
    return editing[0].organisation if editing else None


def _check_storage(organisation: Organisation | None, size: int, *, instead_of: int = 0) -> None:
    """Refuse a package that would take the organisation's packages over
    BALIE_PACKAGE_STORAGE_MB. In the transaction that saves it, with the organisation's row
    locked, so two uploads at once cannot both squeeze in."""
    if organisation is not None:
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    used = (
        Package.objects.filter(organisation=organisation)
        .exclude(pk=instead_of)
        .aggregate(total=Sum("size"))["total"]
        or 0
    )
    limit = settings.BALIE_PACKAGE_STORAGE_MB * 2**20
    if used + size > limit:
        raise scorm_package.PackageError(
            gettext_noop(
                "There is no room for this package: your organisation's packages may take "
                "%(limit)s MB together, %(used)s MB is in use and this package needs "
                "%(size)s MB. Remove or replace a package you no longer use."
            ),
            limit=settings.BALIE_PACKAGE_STORAGE_MB,
            used=round(used / 2**20),
            size=max(round(size / 2**20), 1),
        )


def _check_editor(by: User) -> None:
    if not by.may_edit_programmes:
        raise PermissionDenied("only programme editors upload SCORM packages")


def _describe(package: Package, found: scorm_package.Package, folder: str, by: User) -> None:
    package.version = found.version
    package.edition = found.edition
    package.title = found.title[:200]
    package.launch = found.launch
    package.items = [
        {"identifier": i.identifier, "title": i.title, "launch": i.launch, "sco": i.is_sco}
        for i in found.items
    ]
    package.cmi5 = found.structure() if isinstance(found, Course) else {}
    package.activities = list(found.activities)
    package.folder = folder
    package.external_hosts = scorm_package.external_hosts(_folder_path(folder))
    package.size = found.size
    package.file_count = found.file_count
    package.uploaded_at = timezone.now()
    package.uploaded_by = by


@transaction.atomic
def _create_step(
    module: Module, found: scorm_package.Package, folder: str, *, title: str, by: User
) -> Package:
    last = module.steps.order_by("-position").values_list("position", flat=True).first()
    step = Step(
        module=module,
        kind=StepKind.SCORM,
        title=(title or found.title)[:200],
        position=(last or 0) + 1,
    )
    organisation = _organisation_of(by)
    _check_storage(organisation, found.size)
    step.full_clean()
    step.save()
    package = Package(step=step, organisation=organisation)
    _describe(package, found, folder, by)
    package.full_clean()
    package.save()
    return package


def import_package(upload: BinaryIO, *, module: Module, by: User, title: str = "") -> Package:
    """A new SCORM step at the end of `module`, playing the package in `upload`. Raises
    PackageError (nothing is kept) for a package Balie refuses."""
    _check_editor(by)
    folder, found = _unpack(upload)
    try:
        return _create_step(module, found, folder, title=title, by=by)
    except BaseException:
        shutil.rmtree(_folder_path(folder), ignore_errors=True)
        raise


@transaction.atomic
def _swap(step: Step, found: scorm_package.Package, folder: str, by: User) -> Package:
    package = Package.objects.select_for_update().get(step=step)
    _check_storage(package.organisation, found.size, instead_of=package.pk)
    old = package.folder
    _describe(package, found, folder, by)
    package.full_clean()
    package.save()
    transaction.on_commit(lambda: shutil.rmtree(_folder_path(old), ignore_errors=True))
    return package


def replace_package(upload: BinaryIO, *, step: Step, by: User) -> Package:
    """Put a new version of the package in `step`, in a new folder. Learners keep their
    attempts (and a step they finished stays finished)."""
    _check_editor(by)
    folder, found = _unpack(upload)
    try:
        return _swap(step, found, folder, by)
    except BaseException:
        shutil.rmtree(_folder_path(folder), ignore_errors=True)
        raise


# --- Playing: attempts per SCO, commits, retries, the finish rule --------------------------


@dataclass(frozen=True)
class Progress:
    """A learner's state in a package: the latest attempt of each SCO, each activity's
    status, and the plan (which items open; Previous and Next)."""

    attempts: dict[str, Attempt]
    statuses: dict[str, completion.Status]
    plan: sequencing.Plan
    done: bool


def progress_of(user: User, package: Package, *, current: str = "") -> Progress:
    """Where `user` is in `package`. Without `current`, the item they had open last."""
    attempts: dict[str, Attempt] = {}
    for attempt in Attempt.objects.filter(user=user, package=package).order_by("number"):
        attempts[attempt.sco] = attempt
    data = {sco: attempt.data for sco, attempt in attempts.items()}
    tree = package.activity_tree
    statuses = completion.rollup(tree, data, is_2004=package.is_2004)
    if not current and attempts:
        current = max(attempts.values(), key=lambda a: a.updated_at).sco
    plan = sequencing.plan(tree, statuses, data, current=current)
    done = completion.package_done(tree, statuses)
    return Progress(attempts=attempts, statuses=statuses, plan=plan, done=done)


@dataclass(frozen=True)
class Saved:
    attempt: Attempt | None
    applied: bool  # False when a newer commit was already saved, or the attempt is over
    step_done: bool
    progress: Progress


def revision_of(session: Session, sequence: int) -> int:
    started_ms = int(session.started_at.timestamp() * 1000)
    return started_ms * SEQUENCE_SPAN + min(max(sequence, 0), SEQUENCE_SPAN - 1)


def _session_seconds(session: Session, commit: Commit) -> int:
    """The session's time so far: what the package reports, or the total scorm-again counts
    minus the total it was given at the start; never more than has passed since."""
    counted = max(commit.session_seconds, commit.total_seconds - session.base_seconds, 0)
    elapsed = (timezone.now() - session.started_at).total_seconds()
    return int(min(counted, max(elapsed, 0), MAX_SESSION_SECONDS))


@transaction.atomic
def _store(
    user: User, package: Package, session: Session, revision: int, commit: Commit
) -> tuple[Attempt | None, bool]:
    now = timezone.now()
    newer = Attempt.objects.filter(
        user=user, package=package, sco=session.sco, number__gt=session.number
    )
    if newer.exists():  # a page of an attempt the learner has started over since
        return None, False
    attempt, _ = Attempt.objects.select_for_update().get_or_create(
        user=user,
        package=package,
        sco=session.sco,
        number=session.number,
        defaults={"created_at": now, "updated_at": now},
    )
    if revision <= attempt.revision:
        return attempt, False
    seconds = _session_seconds(session, commit)
    if attempt.session_id != session.id:
        attempt.earlier_seconds += attempt.session_seconds
        attempt.session_id = session.id
        attempt.session_seconds = 0
        attempt.sessions += 1
    attempt.session_seconds = max(attempt.session_seconds, seconds)
    before = attempt.data
    attempt.data = commit.data
    attempt.revision = revision
    attempt.updated_at = now
    attempt.save()
    statements.record_changes(user, package, attempt, before, now)
    return attempt, True


def _finished_by_rule(user: User, package: Package, progress: Progress) -> bool:
    """The editor's rule for a package that never reports: it applies only while no SCO has
    given a verdict (completed, passed or failed)."""
    if package.finish_rule == FinishRule.NEVER:
        return False
    if any(
        s.completed or s.satisfied is not None
        for key, s in progress.statuses.items()
        if (a := package.activity(key)) and a.get("sco")
    ):
        return False
    if package.finish_rule == FinishRule.OPENED:
        return True
    seconds = (
        StepProgress.objects.filter(user=user, step=package.step)
        .values_list("seconds", flat=True)
        .first()
    )
    return (seconds or 0) >= (package.finish_minutes or 0) * 60


def _finish_if_done(user: User, package: Package, sco: str) -> tuple[bool, Progress]:
    """Mark the step done when the package is done by its rules (or the editor's rule).
    Whether the step is done now, and the learner's progress with `sco` open."""
    step = package.step
    progress = progress_of(user, package, current=sco)
    if StepProgress.objects.filter(user=user, step=step, seen_at__isnull=False).exists():
        return True, progress
    if progress.done or _finished_by_rule(user, package, progress):
        learning.complete_step(user, step)
        return True, progress
    return False, progress


def _check_session(package: Package, session: Session, *, sco: bool = True) -> None:
    if session.package_id != package.pk:
        raise ValueError("the session belongs to another package")
    activity = package.activity(session.sco)
    if activity is None or (sco and not activity.get("sco")):
        raise ValueError("the session names no item (SCO) of this package")


def save_commit(
    user: User, package: Package, *, session: Session, sequence: int, commit: Commit
) -> Saved:
    """Keep a commit of the learner's run-time data for the session's SCO; newer wins, a
    repeat or late commit changes nothing, and a commit of an attempt that was started over
    is ignored. The session's time goes to Balie's time on task; when the package is done by
    its own rules, so is its step (and so perhaps the module).

    Three transactions, not one: the learning verbs are durable and own theirs. Each is
    idempotent, and the last two are redone by the next commit if a crash comes between."""
    _check_session(package, session)
    attempt, applied = _store(user, package, session, revision_of(session, sequence), commit)
    learning.record_time(
        user,
        package.step,
        visit_id=session.id,
        shown_at=session.started_at,
        active_seconds=attempt.session_seconds
        if attempt is not None and attempt.session_id == session.id
        else 0,
    )
    step_done, progress = _finish_if_done(user, package, session.sco)
    return Saved(attempt=attempt, applied=applied, step_done=step_done, progress=progress)


def save_beat(user: User, package: Package, *, session: Session, seconds: int) -> bool:
    """The player's own count of the seconds a SCO page was open, for packages that never
    call the run-time: time on task (the same visit as the session's commits, so nothing is
    counted twice), and the editor's finish rule. Whether the step is done."""
    _check_session(package, session, sco=False)
    learning.record_time(
        user,
        package.step,
        visit_id=session.id,
        shown_at=session.started_at,
        active_seconds=min(max(seconds, 0), MAX_SESSION_SECONDS),
    )
    return _finish_if_done(user, package, session.sco)[0]


class NotFailed(Exception):
    """Only a failed attempt can be tried again."""


@transaction.atomic
def retry(user: User, package: Package, sco: str) -> Attempt:
    """ "Opnieuw proberen": a new, empty attempt at a SCO whose latest attempt failed. The
    failed one is kept (its statements and its number stay)."""
    activity = package.activity(sco)
    if activity is None or not activity.get("sco"):
        raise NotFailed(sco)
    latest = (
        Attempt.objects.select_for_update()
        .filter(user=user, package=package, sco=sco)
        .order_by("-number")
        .first()
    )
    if (
        latest is None
        or not completion.sco_status(latest.data, activity, is_2004=package.is_2004).failed
    ):
        raise NotFailed(sco)
    now = timezone.now()
    return Attempt.objects.create(
        user=user,
        package=package,
        sco=sco,
        number=latest.number + 1,
        created_at=now,
        updated_at=now,
    )
