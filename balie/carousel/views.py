from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from balie.carousel import actions
from balie.carousel.forms import (
    EventForm,
    RoundFormSet,
    SignUpForm,
    SignUpOtherForm,
    StationFormSet,
)
from balie.carousel.models import ORGANISER_ROLES, Assignment, CarouselEvent, SignUp
from balie.orgs import access
from balie.orgs.models import Organisation, Role, User


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
    stations = StationFormSet(data, prefix="stations", form_kwargs={"hosts": hosts})
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
                        topic=s["topic"], host=s["host"], room=s["room"], capacity=s["capacity"]
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
    stations = list(event.stations.select_related("host"))
    schedule = None
    if organises and event.planned_at:
        cells = {}
        for a in Assignment.objects.filter(event=event).select_related("user"):
            cells.setdefault((a.station_id, a.round_id), []).append(a.user.full_name)
        schedule = [(s, [sorted(cells.get((s.pk, r.pk), [])) for r in rounds]) for s in stations]
    context = {
        "event": event,
        "organises": organises,
        "mine": mine,
        "rounds": rounds,
        "stations": stations,
        "schedule": schedule,
        "may_join": event.may_join(request.user),
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


@require_POST
def event_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    event = access.get_for(request.user, CarouselEvent.objects.organised_by(request.user), pk)
    reasons = actions.make_schedule(event)
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
    return render(request, "carousel/my_schedule.html", {"event": event, "visits": visits})
