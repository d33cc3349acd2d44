"""The offer catalogue and the referral tally."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from balie.desk import actions
from balie.desk.forms import OfferForm, TallyForm, branches_of
from balie.desk.models import KEEPER_ROLES, Channel, Need, Offer, OfferKind, Referral
from balie.lib import jsonbody
from balie.orgs import access
from balie.orgs.models import Organisation, Role, User
from balie.personas.models import Persona

LIBRARY = Organisation.Kind.LIBRARY
SESSION_LAST_TAP = "desk_tally_last"
# The tally shows this many needs and offers first, as large tiles; the rest are behind "Meer".
TALLY_FIRST = 4
# Which needs and offers come first: this library's own counts over this period.
TALLY_USAGE_DAYS = 365


# --- The offer catalogue -----------------------------------------------------------------------


def _catalogue_libraries(user: User):
    return access.organisations_visible_to(user).filter(kind=LIBRARY).order_by("name")


def _chosen_library(user: User, libraries: list[Organisation], raw: str) -> Organisation | None:
    """The library asked for (404 when it is not one the person may see), else their own."""
    if raw:
        chosen = next((lib for lib in libraries if str(lib.pk) == raw), None)
        if chosen is None:
            raise Http404
        return chosen
    own = access.library_ids_where(user)
    mine = [lib for lib in libraries if lib.pk in own]
    return (mine or libraries or [None])[0]


def _grouped(offers: list[Offer]) -> list[tuple[str, list[Offer]]]:
    groups: dict[str, list[Offer]] = {}
    for offer in offers:
        groups.setdefault(offer.kind, []).append(offer)
    return [(kind.label, groups[kind.value]) for kind in OfferKind if kind.value in groups]


@require_GET
def offer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    libraries = list(_catalogue_libraries(user))
    library = _chosen_library(user, libraries, request.GET.get("library", ""))
    may_keep = library is not None and library.pk in access.library_ids_where(user, *KEEPER_ROLES)
    offers = (
        list(
            # The library is one of those visible to the person: its offers are too.
            Offer.objects.filter(library=library)
            .select_related("branch", "owner")
            .order_by("position", "name")
        )
        if library
        else []
    )
    fitting = Persona.objects.visible_to(user).by_offer_kind()
    for offer in offers:
        offer.personas = fitting.get(offer.kind, [])
    return render(
        request,
        "desk/offer_list.html",
        {
            "library": library,
            "may_manage": library is not None
            and library.pk in access.library_ids_where(user, Role.MANAGER),
            "libraries": libraries if library else [],
            "groups": _grouped([o for o in offers if o.is_active]),
            "inactive": [o for o in offers if not o.is_active] if may_keep else [],
            "may_keep": may_keep,
            "may_tally": library is not None and library.pk in access.library_ids_where(user),
            "nav": "offers",
        },
    )


def _kept_library(request: HttpRequest) -> Organisation:
    """The library whose catalogue the person keeps (manager or specialist), or 404."""
    kept = access.library_ids_where(request.user, *KEEPER_ROLES)
    raw = request.GET.get("library") or request.POST.get("library") or ""
    if not raw and len(kept) == 1:
        raw = str(next(iter(kept)))
    try:
        pk = int(raw)
    except ValueError:
        raise Http404 from None
    if pk not in kept:
        raise Http404
    return Organisation.objects.get(pk=pk)


def _list_url(library_id: int) -> str:
    return f"{reverse('desk:offers')}?library={library_id}"


@require_http_methods(["GET", "POST"])
def offer_new(request: HttpRequest) -> HttpResponse:
    library = _kept_library(request)
    form = OfferForm(request.POST or None, library=library)
    if request.method == "POST" and form.is_valid():
        try:
            offer = actions.save_offer(library, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is on the list.") % {"name": offer.name})
            return redirect(_list_url(library.pk))
    return render(
        request,
        "desk/offer_form.html",
        {"form": form, "library": library, "offer": None, "nav": "offers"},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offer = access.get_for(
        request.user, Offer.objects.kept_by(request.user).select_related("library"), pk
    )
    library = offer.library
    form = OfferForm(request.POST or None, library=library, initial=OfferForm.initial_for(offer))
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_offer(library, form.cleaned_data, offer=offer)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The offer is saved."))
            return redirect(_list_url(library.pk))
    return render(
        request,
        "desk/offer_form.html",
        {"form": form, "library": library, "offer": offer, "nav": "offers"},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def offer_active(request: HttpRequest, pk: int) -> HttpResponse:
    offer = access.get_for(request.user, Offer.objects.kept_by(request.user), pk)
    active = request.POST.get("active") == "1"
    actions.set_offer_active(offer, active)
    if active:
        messages.success(request, _("%(name)s is on the list again.") % {"name": offer.name})
    else:
        messages.success(
            request,
            _("%(name)s is off the list. The tally no longer shows it.") % {"name": offer.name},
        )
    return redirect(_list_url(offer.library_id))


@require_http_methods(["GET", "POST"])
def offer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    offer = access.get_for(request.user, Offer.objects.kept_by(request.user), pk)
    may_delete = actions.may_delete_offer(offer)
    error = ""
    if request.method == "POST":
        try:
            actions.delete_offer(offer)
        except ValidationError as problem:
            error = " ".join(problem.messages)
            may_delete = False
        else:
            messages.success(request, _("%(name)s is deleted.") % {"name": offer.name})
            return redirect(_list_url(offer.library_id))
    return render(
        request,
        "desk/offer_delete.html",
        {"offer": offer, "may_delete": may_delete, "error": error, "nav": "offers"},
        status=400 if request.method == "POST" else 200,
    )


# --- The referral tally ------------------------------------------------------------------------


def _tally_label(referral: Referral) -> str:
    how = _("warm") if referral.warm else _("not warm")
    return _("Counted: %(need)s → %(offer)s, %(how)s") % {
        "need": referral.get_need_display(),
        "offer": referral.offer.name,
        "how": how,
    }


def _book_url(referral: Referral) -> str | None:
    if referral.warm and referral.offer.takes_appointments and not referral.withdrawn:
        return f"{reverse('desk:book')}?referral={referral.client_id}"
    return None


def _default_branch(user: User, library: Organisation) -> int | None:
    for membership in user.active_memberships:
        if membership.organisation_id == library.pk and membership.branch_id:
            return membership.branch_id
    return None


def _last_tap(request: HttpRequest, library: Organisation) -> dict | None:
    """The tap this person just made without JavaScript, while it can still be undone."""
    last = request.session.get(SESSION_LAST_TAP)
    if not last or last.get("library") != library.pk:
        return None
    try:
        actions.client_id_from(last["token"])
    except ValidationError:
        return None
    return last


def _most_used_first(library: Organisation, offers: list[Offer]) -> tuple[list, list[Offer]]:
    """The needs and offers in the order this library uses them most (over the last year),
    the fixed order (the national list of needs, the offer list's positions) on a tie."""
    since = timezone.now() - dt.timedelta(days=TALLY_USAGE_DAYS)
    counted = Referral.objects.filter(library=library, hour__gte=since, withdrawn=False).order_by()
    needs = dict(counted.values_list("need").annotate(n=Count("pk")))
    by_offer = dict(counted.values_list("offer").annotate(n=Count("pk")))
    return (
        sorted(Need.choices, key=lambda choice: -needs.get(choice[0], 0)),
        sorted(offers, key=lambda offer: -by_offer.get(offer.pk, 0)),
    )


@require_http_methods(["GET", "POST"])
def tally(request: HttpRequest) -> HttpResponse:
    user = request.user
    library_ids = access.library_ids_where(user)
    if not library_ids:
        return render(request, "desk/tally_not_staff.html", {"nav": "tally"}, status=403)
    libraries = list(Organisation.objects.filter(pk__in=library_ids).order_by("name"))
    raw = request.POST.get("library") or request.GET.get("library") or ""
    if raw:
        library = next((lib for lib in libraries if str(lib.pk) == raw), None)
        if library is None:
            raise Http404
    elif len(libraries) == 1:
        library = libraries[0]
    else:
        return render(request, "desk/tally_choose.html", {"libraries": libraries, "nav": "tally"})
    offers = Offer.objects.filter(library=library, is_active=True).order_by("position", "name")
    default_branch = _default_branch(user, library)
    form = TallyForm(
        request.POST or None,
        library=library,
        offers=offers,
        initial={"branch": default_branch, "channel": Channel.DESK},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            logged = actions.log_referral(
                client_id=uuid.uuid4(),
                offer=data["offer"],
                need=data["need"],
                warm=data["warm"],
                branch=data["branch"],
                channel=data["channel"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            referral = logged.referral
            request.session[SESSION_LAST_TAP] = {
                "library": library.pk,
                "token": logged.undo_token,
                "book": _book_url(referral),
            }
            messages.success(
                request,
                " ".join(
                    [
                        _tally_label(referral),
                        _("Today at this branch: %(count)s.")
                        % {"count": actions.count_today(library.pk, referral.branch_id)},
                    ]
                ),
            )
            return redirect(f"{reverse('desk:tally')}?library={library.pk}")
    needs, offer_list = _most_used_first(library, list(offers))
    for rank, offer in enumerate(offer_list, start=1):
        offer.rank = rank  # the order the script keeps when it puts fitting offers first
    chosen_need, chosen_offer = str(form["need"].value()), str(form["offer"].value())
    return render(
        request,
        "desk/tally.html",
        {
            "form": form,
            "library": library,
            "libraries": libraries,
            "offers": offer_list,
            "first_offers": offer_list[:TALLY_FIRST],
            "more_offers": offer_list[TALLY_FIRST:],
            "more_offers_open": chosen_offer in {str(o.pk) for o in offer_list[TALLY_FIRST:]},
            "branches": list(form.fields["branch"].queryset),
            "default_branch": default_branch,
            "first_needs": needs[:TALLY_FIRST],
            "more_needs": needs[TALLY_FIRST:],
            "more_needs_open": chosen_need in {value for value, _label in needs[TALLY_FIRST:]},
            "channels": Channel.choices,
            "last": _last_tap(request, library) if request.method == "GET" else None,
            "undo_seconds": actions.UNDO_SECONDS,
            "nav": "tally",
        },
        status=400 if request.method == "POST" else 200,
    )


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _json_body(request: HttpRequest) -> dict | None:
    try:
        data = jsonbody.loads(request.body or b"")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():  # not "²" or "٣"
        return int(value)
    return None


@require_POST
@ratelimit(key="user_or_ip", rate="300/m")  # also a queue of taps sent after a lost connection
def tally_log(request: HttpRequest) -> JsonResponse:
    """One tap from the browser (JSON). Idempotent on the browser's `client_id`."""
    library_ids = access.library_ids_where(request.user)
    if not library_ids:
        return _error(_("The tally is for library staff."), 404)
    data = _json_body(request)
    if data is None:
        return _error(_("The tap could not be read. Reload the page and tap again."))
    try:
        client_id = uuid.UUID(str(data.get("client_id", "")))
    except ValueError:
        return _error(_("The tap has no valid id. Reload the page and tap again."))
    if data.get("need") not in Need.values:
        return _error(_("Choose what the customer needs."))
    if not isinstance(data.get("warm"), bool):
        return _error(_("Choose warm or not warm."))
    channel = data.get("channel") or Channel.DESK
    if channel not in Channel.values:
        return _error(_("Choose how the customer came: at the desk, by phone or at an activity."))
    offer_id = _as_int(data.get("offer"))
    if offer_id is None:
        return _error(_("Choose the offer you referred to."))
    offer = Offer.objects.filter(library_id__in=library_ids, pk=offer_id).first()
    if offer is None:
        return _error(_("This offer was not found."), 404)
    branch = None
    if data.get("branch") not in (None, ""):
        branch_id = _as_int(data.get("branch"))
        if branch_id is None:
            return _error(_("Choose a branch of this library."))
        branch = branches_of(offer.library).filter(pk=branch_id).first()
        if branch is None:
            return _error(_("This branch was not found."), 404)
    tapped_at = None
    if data.get("tapped_at"):
        try:
            tapped_at = (
                parse_datetime(data["tapped_at"]) if isinstance(data["tapped_at"], str) else None
            )
        except ValueError:  # well-formed but impossible, such as month 13
            tapped_at = None
        if tapped_at is None:
            return _error(_("The time of the tap could not be read."))
    try:
        logged = actions.log_referral(
            client_id=client_id,
            offer=offer,
            need=data["need"],
            warm=data["warm"],
            branch=branch,
            channel=channel,
            tapped_at=tapped_at,
        )
    except ValidationError as error:
        return _error(" ".join(error.messages))
    referral = logged.referral
    referral.offer = offer
    return JsonResponse(
        {
            "client_id": str(referral.client_id),
            "counted": not referral.withdrawn,
            "label": _tally_label(referral),
            "undo": logged.undo_token,
            "undo_seconds": actions.UNDO_SECONDS,
            "today": actions.count_today(referral.library_id, referral.branch_id),
            "book_url": _book_url(referral),
        },
        status=201 if logged.created else 200,
    )


@require_POST
@ratelimit(key="user_or_ip", rate="60/m")
def tally_undo(request: HttpRequest) -> HttpResponse:
    """Undo a tap within the window, with the token its saving answered. JSON from the page's
    script; a plain form post (no JavaScript) is answered with a redirect and a message."""
    is_json = request.content_type == "application/json"
    data = _json_body(request) if is_json else request.POST
    token = str((data or {}).get("token", ""))
    library_ids = access.library_ids_where(request.user)
    try:
        client_id = actions.client_id_from(token)
        referral = Referral.objects.filter(client_id=client_id, library_id__in=library_ids).first()
        if referral is None:
            if is_json:
                return _error(_("This tap was not found."), 404)
            raise Http404
        referral = actions.undo_referral(referral)
    except ValidationError as error:
        if is_json:
            return _error(" ".join(error.messages))
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("desk:tally"))
    today = actions.count_today(referral.library_id, referral.branch_id)
    if is_json:
        return JsonResponse(
            {"client_id": str(referral.client_id), "withdrawn": True, "today": today}
        )
    request.session.pop(SESSION_LAST_TAP, None)
    messages.success(request, _("Undone: this tap is not counted."))
    return redirect(f"{reverse('desk:tally')}?library={referral.library_id}")
