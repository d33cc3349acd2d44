"""Verbs that change a learner's progress, time on task and notes, and a library's own
blocks in the modules.

Every one of them is idempotent: a request that arrives twice, or late, changes nothing the
learner has already seen saved. Whether a module is done is decided here, in the same
transaction as the step that finishes it. The xAPI statements of these events are recorded
(through `lrs.record`, the only door into `lrs`) in the same transaction as the event: module
started and completed, step experienced, knowledge check answered, note taken. Heartbeats make
none of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from balie.learning.models import (
    MAX_VISIT_SECONDS,
    Choice,
    LocalBlock,
    Module,
    ModuleProgress,
    Note,
    Step,
    StepKind,
    StepProgress,
    StepVisit,
)
from balie.lrs import record
from balie.orgs import access
from balie.orgs.models import Membership, Organisation, Role, User

# The activity type of each kind of step; any other kind (a package) is a lesson.
STEP_ACTIVITY_KINDS = {
    StepKind.VIDEO: record.Kind.MEDIA,
    StepKind.LINK: record.Kind.LINK,
    StepKind.CHECK: record.Kind.QUESTION,
}


def _module_progress(user: User, step: Step, *, now: datetime) -> tuple[ModuleProgress, bool]:
    """The learner's progress in the step's module, and whether this made it (they started)."""
    return ModuleProgress.objects.select_for_update().get_or_create(
        user=user, module_id=step.module_id, defaults={"started_at": now, "current_step": step}
    )


def _step_progress(user: User, step: Step) -> StepProgress:
    progress, _ = StepProgress.objects.select_for_update().get_or_create(user=user, step=step)
    return progress


def _finish_module_if_done(progress: ModuleProgress, *, now: datetime) -> bool:
    """Mark the module done once every step is seen and every knowledge check answered.
    Answers whether this finished it."""
    if progress.completed_at is not None:
        return False
    steps = Step.objects.filter(module_id=progress.module_id)
    if steps.exists() and not steps.still_to_do_by(progress.user_id).exists():
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
        return True
    return False


@transaction.atomic(durable=True)
def complete_step(user: User, step: Step) -> ModuleProgress:
    """The learner has seen `step` and moves on: the next step becomes where they resume."""
    now = timezone.now()
    progress, started = _module_progress(user, step, now=now)
    seen = StepProgress.objects.filter(
        pk=_step_progress(user, step).pk, seen_at__isnull=True
    ).update(seen_at=now)
    following = step.module.steps.filter(position__gt=step.position).first() or step
    progress.current_step = following
    progress.save(update_fields=["current_step"])
    completed = _finish_module_if_done(progress, now=now)
    events = _progress_events(step, progress, now=now, started=started, seen=bool(seen))
    record.record(user, events + _completion(progress, step, completed=completed))
    return progress


@transaction.atomic(durable=True)
def answer_check(user: User, step: Step, *, choice: Choice) -> StepProgress:
    """Record an answer to a knowledge check. Learners may try again; every try counts."""
    if choice.step_id != step.pk or step.kind != StepKind.CHECK:
        raise ValueError("choice does not belong to this knowledge check")
    now = timezone.now()
    progress, started = _module_progress(user, step, now=now)
    answer = _step_progress(user, step)
    seen = answer.seen_at is None
    answer.choice = choice
    answer.answered_at = now
    answer.attempts += 1
    answer.ever_correct = answer.ever_correct or choice.is_correct
    answer.seen_at = answer.seen_at or now
    answer.save()
    completed = _finish_module_if_done(progress, now=now)
    events = _progress_events(step, progress, now=now, started=started, seen=seen)
    events.append(answered_event(step, answer))
    record.record(user, events + _completion(progress, step, completed=completed))
    return answer


@transaction.atomic(durable=True)
def record_time(
    user: User, step: Step, *, visit_id: uuid.UUID, shown_at: datetime, active_seconds: int
) -> int:
    """Credit time on task from a heartbeat. `active_seconds` is the visit's running total of
    seconds in which the step was visible and the learner active; only its growth counts, and
    never more than has passed since the step was shown. Returns the seconds credited now."""
    now = timezone.now()
    elapsed = int(min((now - shown_at).total_seconds(), MAX_VISIT_SECONDS))
    visit, created = StepVisit.objects.select_for_update().get_or_create(
        id=visit_id,
        defaults={"user": user, "step": step, "shown_at": shown_at, "last_beat_at": now},
    )
    progress, started = _module_progress(user, step, now=now)
    if started:  # the first heartbeat of the module; later ones record nothing
        record.record(user, [started_event(progress, step.module)])
    if created and progress.current_step_id != step.pk:
        progress.current_step = step
        progress.save(update_fields=["current_step"])
    credit = max(0, min(active_seconds, elapsed) - visit.credited_seconds)
    if credit == 0:
        return 0
    StepVisit.objects.filter(pk=visit.pk).update(
        credited_seconds=F("credited_seconds") + credit, last_beat_at=now
    )
    StepProgress.objects.filter(pk=_step_progress(user, step).pk).update(
        seconds=F("seconds") + credit
    )
    ModuleProgress.objects.filter(pk=progress.pk).update(seconds=F("seconds") + credit)
    return credit


@dataclass(frozen=True)
class NoteSave:
    note: Note
    applied: bool  # False when a newer version was already saved


@transaction.atomic(durable=True)
def save_note(user: User, step: Step, *, body: str, revision: int) -> NoteSave:
    """Save the learner's note beside `step`. The browser numbers its edits; a save with a
    number not above the stored one is a repeat or arrived late, and changes nothing."""
    now = timezone.now()
    note, created = Note.objects.select_for_update().get_or_create(
        user=user, step=step, defaults={"body": body, "revision": revision, "updated_at": now}
    )
    if created:
        if body.strip():
            record.record(user, [noted_event(step, now)])
        return NoteSave(note, applied=True)
    if revision <= note.revision:
        return NoteSave(note, applied=revision == note.revision and body == note.body)
    if body.strip() and not note.body.strip():  # once: a second time is the same statement
        record.record(user, [noted_event(step, now)])
    note.body = body
    note.revision = revision
    note.updated_at = now
    note.save(update_fields=["body", "revision", "updated_at"])
    return NoteSave(note, applied=True)


# --- The events as statements (also replayed for the demo, see demo/xapi.py) -------------


def module_activity(module: Module) -> record.Activity:
    programme = record.Activity(record.Kind.PROGRAMME, module.programme_id)
    return record.Activity(record.Kind.MODULE, module.pk, str(module), parent=programme)


def step_activity(step: Step) -> record.Activity:
    kind = STEP_ACTIVITY_KINDS.get(step.kind, record.Kind.LESSON)
    return record.Activity(kind, step.pk, step.title, parent=module_activity(step.module))


def started_event(progress: ModuleProgress, module: Module) -> record.Event:
    return record.Event(record.Verb.STARTED, module_activity(module), progress.started_at)


def completed_event(progress: ModuleProgress, module: Module) -> record.Event:
    """Completion with the time on task so far as the duration."""
    result = record.Result(completion=True, seconds=progress.seconds)
    return record.Event(
        record.Verb.COMPLETED, module_activity(module), progress.completed_at, result
    )


def _progress_events(
    step: Step, progress: ModuleProgress, *, now: datetime, started: bool, seen: bool
) -> list[record.Event]:
    """The module started (the first progress in it) and the step seen for the first time."""
    events = []
    if started:
        events.append(started_event(progress, step.module))
    if seen:
        events.append(experienced_event(step, now))
    return events


def _completion(progress: ModuleProgress, step: Step, *, completed: bool) -> list[record.Event]:
    return [completed_event(progress, step.module)] if completed else []


def experienced_event(step: Step, seen_at: datetime) -> record.Event:
    return record.Event(record.Verb.EXPERIENCED, step_activity(step), seen_at)


def answered_event(step: Step, answer: StepProgress) -> record.Event:
    """The latest try: every try is its own statement, told apart by its number. The
    response is the choice's id, never its text."""
    result = record.Result(success=answer.choice.is_correct, response=str(answer.choice_id))
    return record.Event(
        record.Verb.ANSWERED,
        step_activity(step),
        answer.answered_at,
        result,
        occurrence=f"try {answer.attempts}",
    )


def noted_event(step: Step, at: datetime) -> record.Event:
    """That a note was taken: never its text, nor anything made from it."""
    return record.Event(record.Verb.NOTED, step_activity(step), at)


@transaction.atomic(durable=True)
def save_local_block(
    module: Module,
    *,
    library: Organisation,
    how_we_do_it: str,
    activities: str,
    partners: str,
    colleagues: Iterable[User],
    by: User,
) -> LocalBlock:
    """Write `library`'s own block in `module` ("how we do it here"), or rewrite it. Only the
    library's managers and specialists write it, and every colleague named must work in that
    library. The national module itself is not changed."""
    if library.pk not in access.library_ids_where(by, Role.MANAGER, Role.SPECIALIST):
        raise PermissionDenied("only the library's managers and specialists write its blocks")
    colleagues = list(colleagues)
    wanted = {person.pk for person in colleagues}
    members = set(
        Membership.objects.filter(organisation=library, user_id__in=wanted).values_list(
            "user_id", flat=True
        )
    )
    if wanted - members:
        raise ValueError("every colleague must have a role in the library")
    texts = {"how_we_do_it": how_we_do_it, "activities": activities, "partners": partners}
    LocalBlock(library=library, module=module, **texts).full_clean(validate_constraints=False)
    block, created = LocalBlock.objects.select_for_update().get_or_create(
        library=library, module=module, defaults={**texts, "updated_by": by}
    )
    if not created:
        for name, value in texts.items():
            setattr(block, name, value)
        block.updated_by = by
        block.save()
    block.colleagues.set(colleagues)
    return block
