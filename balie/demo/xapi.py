"""Statements for the demo learners' progress. The demo writes progress, answers and notes
straight into the tables (`balie load_demo`, `demo/insights.py`), not through the actions, so
no statement was recorded for them; this replays each event with its own moment through the
same builders the actions use. Attendance of meetings and carousels goes through the actions
in the demo already.

Safe to run again: the statement ids follow from the events, so a second run stores nothing.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from balie.learning.actions import (
    answered_event,
    completed_event,
    experienced_event,
    noted_event,
    started_event,
)
from balie.learning.models import ModuleProgress, Note, StepProgress
from balie.lrs import record
from balie.orgs.models import User


@transaction.atomic
def record_demo_statements() -> int:
    """Record the statements of every learner's progress, answers and notes. One `record`
    call per learner. Returns how many learners."""
    events: dict[int, list[record.Event]] = defaultdict(list)
    for progress in ModuleProgress.objects.select_related("module").order_by("pk"):
        events[progress.user_id].append(started_event(progress, progress.module))
        if progress.completed_at is not None:
            events[progress.user_id].append(completed_event(progress, progress.module))
    seen = StepProgress.objects.filter(seen_at__isnull=False).select_related(
        "step__module", "choice"
    )
    for answer in seen.order_by("pk"):
        events[answer.user_id].append(experienced_event(answer.step, answer.seen_at))
        if answer.choice is not None and answer.answered_at is not None:
            events[answer.user_id].append(answered_event(answer.step, answer))
    for note in Note.objects.exclude(body="").select_related("step__module").order_by("pk"):
        events[note.user_id].append(noted_event(note.step, note.updated_at))
    for user in User.objects.filter(pk__in=list(events)).order_by("pk"):
        record.record(user, sorted(events[user.pk], key=lambda event: event.at))
    return len(events)
