"""The learner's "what next" on "Mijn leertraject" (the module to go on with, the next meeting
and what is due before it, catch-up tasks), and the same next step as one line on the home of
a person with several roles: the learning app shows them without importing this app."""

from django import template
from django.utils import timezone

from balie.cohorts.models import Attendance, AttendanceStatus, Meeting
from balie.learning.models import Module, ModuleProgress
from balie.orgs.models import Role, User

register = template.Library()


def _next_meeting(user: User) -> Meeting | None:
    return (
        Meeting.objects.filter(cohort__participants__user=user)
        .upcoming(timezone.now())
        .select_related("branch", "cohort")
        .first()
    )


def next_module(user: User, due: list[Module]) -> tuple[Module, ModuleProgress | None] | None:
    """The module to go on with: one in progress (one due before the next meeting first),
    else the first module due before the meeting, else the first not started yet."""
    visible = Module.objects.visible_to(user)
    progress = {
        p.module_id: p
        for p in ModuleProgress.objects.visible_to(user)
        .filter(module__in=visible)
        .select_related("module", "current_step")
    }
    due_ids = [module.pk for module in due]
    busy = [p for p in progress.values() if not p.is_done]
    if busy:
        first = min(
            busy,
            key=lambda p: (
                p.module_id not in due_ids,
                p.module.programme_id,
                p.module.position,
                p.module_id,
            ),
        )
        return first.module, first
    for module in due:
        if module.pk not in progress:
            return module, None
    fresh = visible.exclude(pk__in=list(progress)).first()
    return (fresh, None) if fresh else None


def _due(user: User, meeting: Meeting | None) -> list[tuple[Module, bool]]:
    if meeting is None:
        return []
    modules = list(meeting.preparation.all())
    done = set(
        ModuleProgress.objects.visible_to(user)
        .filter(module__in=modules, completed_at__isnull=False)
        .values_list("module_id", flat=True)
    )
    return [(module, module.pk in done) for module in modules]


@register.inclusion_tag("cohorts/includes/my_meetings.html", takes_context=True)
def my_meetings(context) -> dict:
    user = context["request"].user
    meeting = _next_meeting(user)
    preparation = _due(user, meeting)
    catch_up = (
        Attendance.objects.filter(user=user, caught_up_at__isnull=True)
        .exclude(status=AttendanceStatus.PRESENT)
        .select_related("meeting")
    )
    return {
        "meeting": meeting,
        "preparation": preparation,
        "next": next_module(user, [module for module, done in preparation if not done]),
        "catch_up": list(catch_up),
        "show_desk": context.get("show_desk"),
    }


@register.inclusion_tag("cohorts/includes/my_next_step.html", takes_context=True)
def my_next_step(context) -> dict:
    """One line with the person's own next step, on the home of a manager or coordinator who
    is also a learner: shown only for a module in progress or due before a meeting."""
    user = context["request"].user
    if not user.has_role(Role.LEARNER):
        return {"next": None}
    preparation = _due(user, _next_meeting(user))
    due = [module for module, done in preparation if not done]
    found = next_module(user, due)
    if found is not None and found[1] is None and found[0] not in due:
        found = None
    return {"next": found}
