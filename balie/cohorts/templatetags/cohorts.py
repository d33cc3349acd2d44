"""The learner's meetings on "Mijn leertraject": the learning app shows them without
importing this app."""

from django import template
from django.utils import timezone

from balie.cohorts.models import Attendance, AttendanceStatus, Meeting
from balie.learning.models import ModuleProgress

register = template.Library()


@register.inclusion_tag("cohorts/includes/my_meetings.html", takes_context=True)
def my_meetings(context) -> dict:
    user = context["request"].user
    meeting = (
        Meeting.objects.filter(cohort__participants__user=user)
        .upcoming(timezone.now())
        .select_related("branch", "cohort")
        .first()
    )
    preparation = []
    if meeting is not None:
        modules = list(meeting.preparation.all())
        done = set(
            ModuleProgress.objects.visible_to(user)
            .filter(module__in=modules, completed_at__isnull=False)
            .values_list("module_id", flat=True)
        )
        preparation = [(module, module.pk in done) for module in modules]
    catch_up = (
        Attendance.objects.filter(user=user, caught_up_at__isnull=True)
        .exclude(status=AttendanceStatus.PRESENT)
        .select_related("meeting")
    )
    return {"meeting": meeting, "preparation": preparation, "catch_up": list(catch_up)}
