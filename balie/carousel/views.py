from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from balie.carousel import actions
from balie.carousel import calendar as carousel_calendar
from balie.carousel.forms import (
    AttendanceForm,
    ConfirmScheduleForm,
    EventForm,
    RoundFormSet,
    SignUpForm,
    SignUpOtherForm,
    StationFormSet,
)
from balie.carousel.models import ORGANISER_ROLES, Assignment, CarouselEvent, SignUp
from balie.learning.models import LocalBlock, Module, Note, Step, StepKind
from balie.orgs import access
from balie.orgs.models import Organisation, Role, User
from balie.personas.models import Persona


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    events = CarouselEvent.objects.visible_to(request.user).select_related("organiser")
    today = timezone.localdate()
    return render(
        request,
        "carousel/event_list.html",
        {
            "coming": events.filter(date__gte=today).order_by("date"),
            "past": events.filter(date__lt=today)[:20],
            "may_organise": _organisers(request.user).exists(),
            "nav": "carousel",
        },
    )


def _organisers(user: User):
    """The organisations for which `user` may plan a carousel."""
    ids = access.library_ids_where(user, *ORGANISER_ROLES) | {
        m.organisation_id for m in user.active_memberships if m.role == Role.ADVISER
    }
    return Organisation.objects.filter(pk__in=ids)


@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    organisers = _organisers(request.user)
    if not organisers.exists():
        raise Http404
    hosts = User.objects.filter(
        Q(memberships__organisation__in=organisers)
        | Q(memberships__organisation__parent__in=organisers)
    ).distinct()
    data = request.POST or None
    form = EventForm(data, organisers=organisers, today=timezone.localdate())
    personas = Persona.objects.visible_to(request.user).filter(is_published=True)
    stations = StationFormSet(
        data, prefix="stations", form_kwargs={"hosts": hosts, "personas": personas}
    )
    rounds = RoundFormSet(data, prefix="rounds")
    if request.method == "POST" and form.is_valid() and stations.is_valid() and rounds.is_valid():
        kept = [
            f.cleaned_data
            for f in stations.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            event = actions.create_event(
                form.cleaned_data["organiser"],
                title=form.cleaned_data["title"],
                date=form.cleaned_data["date"],
                place=form.cleaned_data["place"],
                capacity=form.cleaned_data["capacity"],
                stations=[
                    actions.StationPlan(
                        topic=s["topic"],
                        subject=s["subject"],
                        host=s["host"],
                        room=s["room"],
                        capacity=s["capacity"],
                        personas=tuple(s["personas"]),
                    )
                    for s in kept
                ],
                rounds=[
                    (f.cleaned_data["starts_at"], f.cleaned_data["ends_at"])
                    for f in rounds.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")
                ],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The carousel is planned. Staff can sign up now."))
            return redirect("carousel:event", pk=event.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "carousel/event_new.html",
        {
            "form": form,
            "stations": stations,
            "rounds": rounds,
            "nav": "carousel",
        },
        status=status,
    )


def _event_context(request: HttpRequest, event: CarouselEvent, **extra) -> dict:
    organises = CarouselEvent.objects.organised_by(request.user).filter(pk=event.pk).exists()
    mine = SignUp.objects.filter(event=event, user=request.user).first()
    rounds = list(event.rounds.all())
    stations = list(
        event.stations.select_related("host", "subject").prefetch_related(
            Prefetch("personas", queryset=Persona.objects.visible_to(request.user))
        )
    )
    schedule = None
    if organises and event.planned_at:
        cells = {}
        for a in Assignment.objects.filter(event=event).select_related("user"):
            cells.setdefault((a.station_id, a.round_id), []).append(a.user.full_name)
        schedule = [(s, [sorted(cells.get((s.pk, r.pk), [])) for r in rounds]) for s in stations]
    today = timezone.localdate()
    context = {
        "event": event,
        "organises": organises,
        "mine": mine,
        "held": event.date <= today,
        # Sign-ups close when the carousel is held: changes until the day before.
        "last_change": event.date - timedelta(days=1),
        "attendance": _attendance_counts(event) if organises else None,
        "rounds": rounds,
        "stations": stations,
        "schedule": schedule,
        "may_join": event.may_join(request.user) and event.cancelled_at is None,
        "signups": (
            event.signups.select_related("user").order_by("user__full_name") if organises else None
        ),
        "form": SignUpForm(event=event, initial=_initial(mine, rounds)),
        "nav": "carousel",
    }
    if organises:
        context["other_form"] = SignUpOtherForm(
            event=event, people=_joinable(event), initial={"free_rounds": rounds}
        )
    context.update(extra)
    return context


def _initial(mine: SignUp | None, rounds) -> dict:
    if mine is None:
        return {"free_rounds": rounds}
    return {
        "free_rounds": list(mine.free_rounds.all()),
        "chosen_stations": list(mine.chosen_stations.all()),
    }


def _joinable(event: CarouselEvent):
    return (
        User.objects.filter(
            Q(memberships__organisation_id=event.organiser_id)
            | Q(
                memberships__organisation__parent_id=event.organiser_id,
                memberships__organisation__kind=Organisation.Kind.LIBRARY,
            )
        )
        .distinct()
        .order_by("full_name")
    )


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = access.get_for(request.user, CarouselEvent.objects.select_related("organiser"), pk)
    return render(request, "carousel/event_detail.html", _event_context(request, event))


@require_POST
def event_signup(request: HttpRequest, pk: int) -> HttpResponse:
    event = access.get_for(request.user, CarouselEvent.objects, pk)
    organises = CarouselEvent.objects.organised_by(request.user).filter(pk=event.pk).exists()
    if "person" in request.POST:
        if not organises:
            raise Http404
        form = SignUpOtherForm(request.POST, event=event, people=_joinable(event))
    else:
        form = SignUpForm(request.POST, event=event)
    if form.is_valid():
        person = form.cleaned_data.get("person", request.user)
        try:
            actions.sign_up(
                event,
                person,
                free_rounds=list(form.cleaned_data["free_rounds"]),
                chosen_stations=list(form.cleaned_data["chosen_stations"]),
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is signed up.") % {"name": person})
            return redirect("carousel:event", pk=event.pk)
    key = "other_form" if "person" in request.POST else "form"
    return render(
        request,
        "carousel/event_detail.html",
        _event_context(request, event, **{key: form}),
        status=400,
    )


@require_POST
def event_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    event = access.get_for(request.user, CarouselEvent.objects, pk)
    signup = SignUp.objects.filter(event=event, user=request.user).first()
    if signup is not None:
        actions.withdraw(signup)
        messages.success(request, _("You are no longer signed up."))
    return redirect("carousel:event", pk=event.pk)


def _attendance_counts(event: CarouselEvent) -> dict[str, int]:
    counts = {"present": 0, "absent": 0, "unmarked": 0}
    for present in event.signups.values_list("present", flat=True):
        counts[{True: "present", False: "absent", None: "unmarked"}[present]] += 1
    return counts


@require_GET
def schedule_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What making the schedule again would change, to confirm. Saves nothing."""
    event = access.get_for(request.user, CarouselEvent.objects.organised_by(request.user), pk)
    return _preview(request, event)


def _preview(request: HttpRequest, event: CarouselEvent, *, status: int = 200, **extra):
    proposal = actions.propose_schedule(event)
    return render(
        request,
        "carousel/schedule_preview.html",
        {
            "event": event,
            "proposal": proposal,
            "form": ConfirmScheduleForm(initial={"proposal": proposal.fingerprint}),
            "nav": "carousel",
            **extra,
        },
        status=status,
    )


@require_POST
def event_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the schedule. Once there is one, a change needs the organiser to confirm the
    proposal they saw (its fingerprint): if sign-ups changed meanwhile, they see it again."""
    event = access.get_for(request.user, CarouselEvent.objects.organised_by(request.user), pk)
    fingerprint = None
    if event.planned_at is not None or "proposal" in request.POST:
        form = ConfirmScheduleForm(request.POST)
        if not form.is_valid():
            return _preview(request, event, status=400)
        fingerprint = form.cleaned_data["proposal"]
    try:
        reasons = actions.make_schedule(event, fingerprint=fingerprint)
    except actions.ScheduleChanged:
        return _preview(request, event, status=409, stale=True)
    except actions.NeedsConfirmation:
        return _preview(request, event)
    if reasons:
        event.refresh_from_db()
        return render(
            request,
            "carousel/event_detail.html",
            _event_context(request, event, reasons=reasons),
            status=409,
        )
    messages.success(request, _("The schedule is made. Everyone can print their own."))
    return redirect("carousel:event", pk=event.pk)


@require_GET
def my_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    event = access.get_for(request.user, CarouselEvent.objects, pk)
    visits = (
        Assignment.objects.filter(event=event, user=request.user)
        .select_related("round", "station__host")
        .order_by("round__position")
    )
    return render(
        request,
        "carousel/my_schedule.html",
        {"event": event, "visits": visits, "held": event.date <= timezone.localdate()},
    )


@require_POST
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = access.get_for(request.user, CarouselEvent.objects.organised_by(request.user), pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the carousel is cancelled."))
        return redirect("carousel:event", pk=event.pk)
    actions.cancel_event(event)
    messages.success(request, _("The carousel is cancelled. Calendars show it as cancelled."))
    return redirect("carousel:event", pk=event.pk)


@require_GET
def my_schedule_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = access.get_for(request.user, CarouselEvent.objects, pk)
    response = HttpResponse(
        carousel_calendar.schedule_ics(
            event, request.user, base_url=request.build_absolute_uri("/")
        ),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="kenniscarrousel-{event.pk}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisers mark who came, on or after the day. Saving again changes nothing."""
    event = access.get_for(request.user, CarouselEvent.objects.organised_by(request.user), pk)
    signups = event.signups.select_related("user").order_by("user__full_name", "pk")
    form = AttendanceForm(request.POST or None, signups=signups)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_attendance(event, form.marks(), today=timezone.localdate())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Attendance is saved."))
            return redirect("carousel:event", pk=event.pk)
    return render(
        request,
        "carousel/attendance.html",
        {
            "event": event,
            "form": form,
            "held": event.date <= timezone.localdate(),
            "counts": _attendance_counts(event),
            "nav": "carousel",
        },
        status=400 if request.method == "POST" else 200,
    )


REFRESHER_KINDS = (StepKind.TEXT, StepKind.VIDEO, StepKind.CHECK)


@require_GET
def refresher(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Opfrissen": for each station the person visited, the steps worth seeing again of the
    modules on the station's subject, their library's local blocks for those modules, and the
    person's OWN notes on them. A fixed number of queries, whatever the number of stations."""
    event = access.get_for(request.user, CarouselEvent.objects, pk)
    held = event.date <= timezone.localdate()
    visits = list(
        Assignment.objects.filter(event=event, user=request.user)
        .select_related("round", "station__subject")
        .order_by("round__position")
    )
    subjects = {v.station.subject_id for v in visits if v.station.subject_id}
    modules = (
        list(
            Module.objects.visible_to(request.user)
            .filter(topics__in=subjects)
            .prefetch_related("topics")
            .distinct()
        )
        if held and subjects
        else []
    )
    by_module: dict[int, dict] = {
        m.pk: {"module": m, "steps": [], "blocks": [], "notes": []} for m in modules
    }
    if modules:
        steps = Step.objects.filter(module__in=modules, kind__in=REFRESHER_KINDS)
        for step in steps.order_by("module", "position", "id"):
            by_module[step.module_id]["steps"].append(step)
        blocks = LocalBlock.objects.of_own_libraries(request.user).filter(module__in=modules)
        for block in blocks.prefetch_related("colleagues"):
            by_module[block.module_id]["blocks"].append(block)
        # Only the person's own notes: notes are private, whatever one's role.
        notes = (
            Note.objects.visible_to(request.user)
            .filter(step__module__in=modules)
            .exclude(body="")
            .select_related("step")
            .order_by("step__position", "step_id")
        )
        for note in notes:
            by_module[note.step.module_id]["notes"].append(note)
    stations = [
        {
            "visit": visit,
            "modules": [
                by_module[m.pk]
                for m in modules
                if any(t.pk == visit.station.subject_id for t in m.topics.all())
            ],
        }
        for visit in visits
    ]
    return render(
        request,
        "carousel/refresher.html",
        {"event": event, "held": held, "stations": stations, "nav": "carousel"},
    )
