from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Value
from django.forms import formset_factory
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from balie.cohorts import actions, calendar
from balie.cohorts.forms import (
    AgendaItemForm,
    AttendanceForm,
    CohortForm,
    LibraryChoiceForm,
    MaterialForm,
    MeetingForm,
    OutcomeForm,
    ParticipantImportForm,
)
from balie.cohorts.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    Cohort,
    Meeting,
    OutcomeKind,
)
from balie.learning.models import ModuleProgress, Programme
from balie.lib.small_counts import protected
from balie.orgs.access import get_for, is_national, organisations_visible_to
from balie.orgs.models import Organisation, Role, User

COHORTS_PER_PAGE = 20
AgendaFormSet = formset_factory(AgendaItemForm, extra=1, can_delete=True, max_num=20)


@require_GET
def cohort_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    cohorts = (
        Cohort.objects.visible_to(request.user)
        .select_related("library", "programme")
        .annotate(participant_count=Count("participants", distinct=True))
        .order_by("-starts_on", "name", "pk")
    )
    page = Paginator(cohorts, COHORTS_PER_PAGE).get_page(request.GET.get("pagina"))
    upcoming = (
        Meeting.objects.filter(cohort__in=[c.pk for c in page.object_list])
        .upcoming(now)
        .with_readiness()
        .select_related("branch")
    )
    next_meeting: dict[int, Meeting] = {}
    for meeting in upcoming:
        next_meeting.setdefault(meeting.cohort_id, meeting)
    rows = [(cohort, next_meeting.get(cohort.pk)) for cohort in page.object_list]
    return render(
        request,
        "cohorts/cohort_list.html",
        {
            "page": page,
            "rows": rows,
            "may_start": _libraries_led_by(request.user).exists(),
            "nav": "cohorts",
        },
    )


def _libraries_led_by(user: User):
    """Libraries in which `user` may start a cohort: those their POI serves."""
    libraries = organisations_visible_to(user).filter(kind=Organisation.Kind.LIBRARY)
    if is_national(user) or user.has_role(Role.ADVISER):
        return libraries
    return libraries.none()


@require_http_methods(["GET", "POST"])
def cohort_new(request: HttpRequest) -> HttpResponse:
    libraries = _libraries_led_by(request.user)
    if not libraries.exists():
        raise Http404
    choice = LibraryChoiceForm(request.GET or None, libraries=libraries)
    if not choice.is_valid():
        return render(request, "cohorts/cohort_new.html", {"choice": choice, "nav": "cohorts"})
    library = choice.cleaned_data["library"]
    programmes = Programme.objects.visible_to(request.user).filter(is_published=True)
    form = CohortForm(
        request.POST or None,
        library=library,
        programmes=programmes,
        initial={"adviser": request.user, "starts_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = actions.start_cohort(
                data["programme"],
                library=library,
                name=data["name"],
                adviser=data["adviser"],
                manager=data["manager"],
                starts_on=data["starts_on"],
                participants=list(data["participants"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The cohort has started. Now plan its meetings."))
            return redirect("cohorts:cohort", pk=cohort.pk)
    return render(
        request,
        "cohorts/cohort_new.html",
        {"choice": choice, "library": library, "form": form, "nav": "cohorts"},
    )


@require_GET
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = get_for(
        request.user,
        Cohort.objects.select_related("library", "programme", "adviser", "manager"),
        pk,
    )
    meetings = (
        cohort.meetings.with_readiness()
        .select_related("branch")
        .prefetch_related("outcomes")
        .order_by("position", "id")
    )
    participants = User.objects.filter(cohort_places__cohort=cohort).order_by("full_name")
    leads = Cohort.objects.led_by(request.user).filter(pk=cohort.pk).exists()
    return render(
        request,
        "cohorts/cohort_detail.html",
        {
            "cohort": cohort,
            "meetings": meetings,
            "participants": participants,
            "leads": leads,
            "nav": "cohorts",
        },
    )


@require_http_methods(["GET", "POST"])
def participants_import(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = get_for(request.user, Cohort.objects.select_related("library"), pk)
    if not Cohort.objects.led_by(request.user).filter(pk=cohort.pk).exists():
        raise Http404
    form = ParticipantImportForm(request.POST or None, request.FILES or None, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        added = actions.import_participants(cohort, form.rows)
        messages.success(request, _("%(count)d people added to the cohort.") % {"count": added})
        return redirect("cohorts:cohort", pk=cohort.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "cohorts/participants_import.html",
        {"cohort": cohort, "form": form, "nav": "cohorts"},
        status=status,
    )


def _meeting_for(request: HttpRequest, pk: int, *, lead: bool = False) -> Meeting:
    queryset = Meeting.objects.led_by(request.user) if lead else Meeting.objects
    return get_for(request.user, queryset.select_related("cohort__library", "branch"), pk)


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    leads = Meeting.objects.led_by(request.user).filter(pk=meeting.pk).exists()
    preparation = list(meeting.preparation.all())
    done = set(
        ModuleProgress.objects.visible_to(request.user)
        .filter(module__in=preparation, completed_at__isnull=False)
        .values_list("module_id", flat=True)
    )
    mine = Attendance.objects.filter(meeting=meeting, user=request.user).first()
    return render(
        request,
        "cohorts/meeting_detail.html",
        {
            "meeting": meeting,
            "cohort": meeting.cohort,
            "leads": leads,
            "agenda": meeting.agenda.select_related("presenter"),
            "preparation": [(module, module.pk in done) for module in preparation],
            "materials": meeting.materials.all(),
            "questions": meeting.outcomes.filter(kind=OutcomeKind.QUESTION),
            "agreements": meeting.outcomes.filter(kind=OutcomeKind.AGREEMENT),
            "outcome_form": OutcomeForm() if leads else None,
            "material_form": MaterialForm() if leads else None,
            "attendance": mine,
            "nav": "cohorts",
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk, lead=True)
    library = meeting.cohort.library
    now = timezone.now()
    initial = {
        "version": meeting.version,
        "title": meeting.title,
        "purpose": meeting.purpose,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "branch": meeting.branch,
        "room": meeting.room,
        "preparation": list(meeting.preparation.all()),
    }
    agenda_initial = [
        {"title": a.title, "minutes": a.minutes, "presenter": a.presenter}
        for a in meeting.agenda.all()
    ]
    form = MeetingForm(request.POST or None, meeting=meeting, now=now, initial=initial)
    agenda = AgendaFormSet(
        request.POST or None,
        initial=agenda_initial,
        prefix="agenda",
        form_kwargs={"library": library},
    )
    if request.method == "POST" and form.is_valid() and agenda.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        items = [
            AgendaItem(
                title=f.cleaned_data["title"],
                minutes=f.cleaned_data["minutes"],
                presenter=f.cleaned_data["presenter"],
            )
            for f in agenda.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            actions.update_meeting(meeting, version=version, agenda=items, **data)
        except actions.StaleEdit:
            form.add_error(
                None,
                _(
                    "Someone else changed this meeting while you were editing. "
                    "Your changes are not saved yet: compare them with the "
                    "current meeting below and save again."
                ),
            )
            fresh = Meeting.objects.get(pk=meeting.pk)
            return render(
                request,
                "cohorts/meeting_edit.html",
                {
                    "meeting": fresh,
                    "form": form,
                    "agenda": agenda,
                    "stale": True,
                    "current_version": fresh.version,
                    "nav": "cohorts",
                },
                status=409,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting is saved. Calendars get the change."))
            return redirect("cohorts:meeting", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "cohorts/meeting_edit.html",
        {"meeting": meeting, "form": form, "agenda": agenda, "nav": "cohorts"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk, lead=True)
    if request.method == "POST":
        actions.cancel_meeting(meeting)
        messages.success(request, _("The meeting is cancelled. Calendars show it as cancelled."))
        return redirect("cohorts:cohort", pk=meeting.cohort_id)
    return render(request, "cohorts/meeting_cancel.html", {"meeting": meeting, "nav": "cohorts"})


@require_POST
def material_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk, lead=True)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        actions.add_material(meeting, **form.cleaned_data)
        messages.success(request, _("Added. The team finds it on this page."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("cohorts:meeting", pk=meeting.pk)


@require_POST
def outcome_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk, lead=True)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        actions.add_outcome(meeting, **form.cleaned_data)
        messages.success(request, _("Added. The team sees it on this page."))
    else:
        messages.error(request, _("Write the learning question or agreement first."))
    return redirect("cohorts:meeting", pk=meeting.pk)


@require_http_methods(["GET", "POST"])
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk, lead=True)
    people = User.objects.filter(cohort_places__cohort=meeting.cohort_id).order_by("full_name")
    is_open = meeting.attendance_open(timezone.now())
    if request.method == "POST":
        if not is_open:
            return JsonResponse({"message": _not_open(meeting)}, status=409)
        form = AttendanceForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors}, status=400)
        person = people.filter(pk=form.cleaned_data["person"]).first()
        if person is None:
            return JsonResponse({"errors": {"person": [_("Not in this cohort.")]}}, status=400)
        recorded = actions.record_attendance(
            meeting,
            person,
            status=form.cleaned_data["status"],
            revision=form.cleaned_data["revision"],
            by=request.user,
        )
        return JsonResponse({"status": recorded.status, "revision": recorded.revision})
    recorded = {a.user_id: a for a in Attendance.objects.filter(meeting=meeting)}
    return render(
        request,
        "cohorts/meeting_attendance.html",
        {
            "meeting": meeting,
            "nav": "cohorts",
            "statuses": AttendanceStatus.choices,
            "rows": [(person, recorded.get(person.pk)) for person in people],
            "is_open": is_open,
            "not_open": "" if is_open else _not_open(meeting),
        },
    )


def _not_open(meeting: Meeting) -> str:
    if meeting.starts_at is None:
        return _("This meeting has no start time yet. Attendance opens when the meeting starts.")
    start = date_format(timezone.localtime(meeting.starts_at), "l j F Y, H:i")
    return _("The meeting has not started yet. Attendance opens at the start: %(start)s.") % {
        "start": start
    }


@require_POST
def caught_up(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    attendance = Attendance.objects.filter(meeting=meeting, user=request.user).first()
    if attendance is None:
        raise Http404
    actions.mark_caught_up(attendance)
    messages.success(request, _("Marked as caught up."))
    return redirect("learning:my_learning")


@require_GET
def team(request: HttpRequest, pk: int) -> HttpResponse:
    """The team's progress for its manager and adviser: counts per module and per meeting,
    never a list of persons (works-council rule), small counts hidden (`protected`)."""
    cohort = get_for(request.user, Cohort.objects.select_related("library", "programme"), pk)
    people = User.objects.filter(cohort_places__cohort=cohort)
    size = people.count()
    modules = (
        cohort.programme.modules.filter(is_published=True)
        .annotate(
            done=Count(
                "progress",
                filter=Q(progress__user__in=people, progress__completed_at__isnull=False),
            ),
            busy=Count(
                "progress", filter=Q(progress__user__in=people, progress__completed_at__isnull=True)
            ),
        )
        .annotate(waiting=Value(size) - F("done") - F("busy"))
    )
    meetings = list(
        cohort.meetings.annotate(
            **{
                status: Count("attendance", filter=Q(attendance__status=status))
                for status in AttendanceStatus.values
            }
        ).order_by("position")
    )
    # Team figures as on the dashboards: 1 to 4 is "<5", and a second cell hidden where the
    # team's size minus the rest would give it back.
    modules = list(modules)
    for module in modules:
        module.cells = protected([module.done, module.busy, module.waiting])
    for meeting in meetings:
        meeting.cells = protected([meeting.present, meeting.excused, meeting.absent])
    return render(
        request,
        "cohorts/team.html",
        {
            "cohort": cohort,
            "size": size,
            "modules": modules,
            "meetings": meetings,
            "people": _per_person(request.user, cohort, people),
            "nav": "cohorts",
        },
    )


def _per_person(user: User, cohort: Cohort, people) -> list | None:
    """Progress per person, only for the library's own managers and only where the library
    has recorded that its works council agreed; otherwise None."""
    agreed = cohort.library.works_council_agreed_on is not None
    manages = user.memberships.filter(role=Role.MANAGER, organisation=cohort.library).exists()
    if not (agreed and manages):
        return None
    done = Q(
        module_progress__completed_at__isnull=False,
        module_progress__module__programme=cohort.programme,
    )
    present = Q(attendance__meeting__cohort=cohort, attendance__status=AttendanceStatus.PRESENT)
    return list(
        people.annotate(
            modules_done=Count("module_progress", distinct=True, filter=done),
            meetings_attended=Count("attendance", distinct=True, filter=present),
        ).order_by("full_name")
    )


@require_GET
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    response = HttpResponse(
        calendar.meeting_ics(meeting, for_user=request.user),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="bijeenkomst-{meeting.pk}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def my_calendar(request: HttpRequest) -> HttpResponse:
    """The person's own calendar feed: its secret address, and a way to renew it. Looking
    changes nothing: the address is made by the first POST, and each POST after that makes a
    new one."""
    token = CalendarFeed.objects.filter(user=request.user).values_list("token", flat=True).first()
    if request.method == "POST":
        calendar.feed_token_for(request.user, renew=True)
        if token is None:
            messages.success(request, _("Your calendar address is ready."))
        else:
            messages.success(
                request,
                _(
                    "You have a new calendar address. The old one no longer "
                    "works: add the new one to your calendar."
                ),
            )
        return redirect("cohorts:my_calendar")
    feed = (
        request.build_absolute_uri(reverse("cohorts:calendar_feed", args=[token]))
        if token
        else None
    )
    return render(request, "cohorts/my_calendar.html", {"feed": feed, "nav": "learning"})


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A calendar client fetches this without logging in; the secret address is the key."""
    person = calendar.feed_user(token)
    if person is None:
        raise Http404
    response = HttpResponse(calendar.feed_ics(person), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
