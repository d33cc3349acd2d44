"""The warm hand-over: free slots, booking with consent, the appointment card, the Taalhuis side."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from itertools import groupby

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import defaultfilters
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from balie.desk import handover_actions as actions
from balie.desk.handover_forms import (
    ConsentForm,
    ContactForm,
    DeskSettingsForm,
    IntakeForm,
    NeedForm,
    OutcomeForm,
    SlotForm,
    is_email,
)
from balie.desk.models import (
    TAALHUIS_SPECIALISMS,
    DeskSettings,
    HandOver,
    Intake,
    IntakeSource,
    Need,
    Offer,
    OfferKind,
    Outcome,
    Referral,
    Slot,
    taalhuis_library_ids,
)
from balie.lib import mail
from balie.orgs import access
from balie.orgs.models import Organisation, Role, User
from balie.security.audit import record_event, record_events
from balie.security.models import AuditAction

logger = logging.getLogger(__name__)

CUSTOMER_LANGUAGE = "nl"
CONSENT_SALT = "balie.desk.consent"
CONSENT_MAX_AGE = 60 * 60  # an hour at the desk is plenty
SLOTS_SHOWN = 60
PER_PAGE = 20
# The cards this session booked: the desk colleague who booked sees the card, nobody else at
# the desk (the newest few; a card is for handing over right after booking).
CARDS_BOOKED = "desk_cards_booked"
CARDS_REMEMBERED = 20
# What a customer brings, by the kind of offer (nothing for the rest).
BRING = {
    OfferKind.IDO: gettext_lazy("The letter or form, if you have it."),
    OfferKind.DIGISTERKER: gettext_lazy("Your phone, and your DigiD if you have one."),
    OfferKind.KLIK_TIK: gettext_lazy("Your phone or tablet, if you have one."),
}


# --- Who may do what --------------------------------------------------------------------------


def _slot_keeper_library_ids(user: User) -> set[int]:
    """Taalhuis colleagues keep their own free time; managers keep it for them."""
    return taalhuis_library_ids(user) | access.library_ids_where(user, Role.MANAGER)


def _taalhuis_colleagues(library_ids: set[int]):
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation_id__in=library_ids,
            memberships__role=Role.SPECIALIST,
            memberships__specialism__in=TAALHUIS_SPECIALISMS,
        )
        .distinct()
        .order_by("full_name")
    )


def _first_name(user: User) -> str:
    return user.get_short_name()


# --- Free slots -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def slot_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    libraries = _slot_keeper_library_ids(user)
    if not libraries:
        raise Http404
    managed = access.library_ids_where(user, Role.MANAGER)
    colleagues = list(_taalhuis_colleagues(managed)) if managed else []
    if user.pk not in {c.pk for c in colleagues} and taalhuis_library_ids(user):
        colleagues.insert(0, user)
    branches = Organisation.objects.filter(kind=Organisation.Kind.BRANCH, parent_id__in=libraries)
    now = timezone.now()
    form = SlotForm(
        request.POST or None,
        colleagues=User.objects.filter(pk__in=[c.pk for c in colleagues]).order_by("full_name"),
        branches=branches,
        now=now,
        initial={"place": ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        colleague = data["colleague"]
        library = _library_of(colleague, libraries, data["branch"])
        added, skipped = actions.add_slots(
            library,
            actions.SlotPlan(
                colleague=colleague,
                first=data["first"],
                minutes=data["minutes"],
                place=data["place"],
                branch=data["branch"],
                weeks=data["weeks"],
            ),
        )
        if added:
            messages.success(request, _("%(count)d free time(s) added.") % {"count": added})
        if skipped:
            messages.warning(
                request,
                _("%(count)d time(s) were already there and were skipped.") % {"count": skipped},
            )
        return redirect("desk:slots")
    slots = (
        Slot.objects.filter(library_id__in=libraries, starts_at__gte=now - dt.timedelta(hours=2))
        .filter(cancelled=False)
        .select_related("colleague", "branch", "handover")
        .order_by("starts_at", "pk")
    )
    page = Paginator(slots, PER_PAGE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "desk/slot_list.html",
        {"form": form, "page": page, "now": now, "nav": "taalhuis"},
        status=400 if request.method == "POST" else 200,
    )


def _library_of(colleague: User, libraries: set[int], branch: Organisation | None) -> Organisation:
    """The library the slot belongs to: the branch's, or the colleague's Taalhuis library."""
    if branch is not None:
        return branch.parent
    ids = taalhuis_library_ids(colleague) & libraries
    return Organisation.objects.get(pk=min(ids))


def _keepable_slots(user: User):
    libraries = _slot_keeper_library_ids(user)
    return Slot.objects.filter(library_id__in=libraries).select_related(
        "colleague", "branch", "handover"
    )


@require_http_methods(["GET", "POST"])
def slot_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    slot = _keepable_slots(request.user).filter(pk=pk).first()
    if slot is None:
        raise Http404
    booked = HandOver.objects.filter(slot=slot).exists()
    if slot.cancelled:
        messages.info(request, _("This time was cancelled already."))
        return redirect("desk:slots")
    if request.method == "POST" and (not booked or request.POST.get("confirm") == "yes"):
        actions.cancel_slot(slot)
        if booked:
            messages.success(
                request,
                _("The time and its appointment are cancelled. Let the customer know."),
            )
        else:
            messages.success(request, _("The free time is cancelled."))
        return redirect("desk:slots")
    if request.method == "GET" and not booked:
        return redirect("desk:slots")
    return render(request, "desk/slot_cancel.html", {"slot": slot, "nav": "taalhuis"})


# --- Booking at the desk -----------------------------------------------------------------------


def _consent_text(slot: Slot, keep_until: dt.date) -> str:
    """The consent explanation, in plain Dutch, as the desk reads it with the customer."""
    with translation.override(CUSTOMER_LANGUAGE):
        colleague = _first_name(slot.colleague)
        lines = [
            _("You get an appointment with %(colleague)s of the Taalhuis.")
            % {"colleague": colleague},
            _("We give %(colleague)s your first name and your phone number or e-mail address.")
            % {"colleague": colleague},
            _("Only %(colleague)s and the Taalhuis see them.") % {"colleague": colleague},
            _("The Taalhuis uses them only to reach you about this appointment."),
            _("On %(date)s we delete your name and your phone number or e-mail address.")
            % {"date": defaultfilters.date(keep_until, "j F Y")},
            _("Is that all right with you?"),
        ]
    return "\n".join(lines)


def _referral_from(request: HttpRequest, libraries: set[int]) -> Referral | None:
    raw = request.POST.get("referral") or request.GET.get("referral") or ""
    try:
        client_id = uuid.UUID(raw)
    except ValueError:
        return None
    return (
        Referral.objects.counted()
        .filter(client_id=client_id, library_id__in=libraries, handover__isnull=True)
        .select_related("offer")
        .first()
    )


def _branch_in(user: User, library_id: int) -> Organisation | None:
    for m in user.active_memberships:
        if m.organisation_id == library_id and m.branch_id:
            return m.branch
    return None


def _free_times(offer: Offer, raw_day: str) -> dict:
    """The time picker, day by day: the days with free time (and how many), the day chosen
    (`dag`, else the first) and that day's free times."""
    slots = (
        Slot.objects.free()
        .filter(library_id=offer.library_id)
        .select_related("colleague", "branch")
        .order_by("starts_at", "pk")[:SLOTS_SHOWN]
    )
    by_day = {
        day: list(group)
        for day, group in groupby(slots, key=lambda s: timezone.localtime(s.starts_at).date())
    }
    day = next((d for d in by_day if d.isoformat() == raw_day), next(iter(by_day), None))
    return {
        "days": [(d, len(times)) for d, times in by_day.items()],
        "day": day,
        "times": by_day.get(day, []),
    }


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """Book a warm hand-over in four steps on one address: the offer (and need), a free slot,
    the customer's consent, then (only after consent) first name and contact."""
    user = request.user
    libraries = access.library_ids_where(user)
    if not libraries:
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    referral = _referral_from(request, libraries)
    offers = Offer.objects.filter(
        library_id__in=libraries, is_active=True, takes_appointments=True
    ).select_related("library")
    offer_id = params.get("offer") or (referral.offer_id if referral else None)
    need = referral.need if referral else params.get("need", "")
    context = {
        "referral": referral,
        "nav": "desk",
        "needs": Need.choices,
    }
    if not offer_id:
        context.update(step="offer", offers=offers, need_form=NeedForm(initial={"need": need}))
        return render(request, "desk/handover_book.html", context)
    allowed = Q(pk__in=offers.values("pk"))
    if referral:
        allowed |= Q(pk=referral.offer_id)
    try:
        offer = (
            Offer.objects.filter(allowed, library_id__in=libraries)
            .select_related("library")
            .get(pk=offer_id)
        )
    except (Offer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if need not in Need.values:
        need_form = NeedForm(params)
        need_form.is_valid()
        context.update(step="offer", offers=offers, need_form=need_form, chosen=offer)
        return render(request, "desk/handover_book.html", context, status=400)
    context.update(offer=offer, need=need, need_label=Need(need).label)
    slot_id = params.get("slot")
    if not slot_id:
        context.update(step="slot", **_free_times(offer, params.get("dag", "")))
        return render(request, "desk/handover_book.html", context)
    try:
        slot = (
            Slot.objects.filter(library_id=offer.library_id)
            .select_related("colleague", "branch")
            .get(pk=slot_id)
        )
    except (Slot.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not Slot.objects.free().filter(pk=slot.pk).exists():
        context.update(
            step="slot",
            slot_error=_("This time is no longer free. Choose another time."),
            **_free_times(offer, timezone.localtime(slot.starts_at).date().isoformat()),
        )
        return render(request, "desk/handover_book.html", context, status=400)
    keep_until = actions.keep_until_for(offer.library, slot)
    consent_text = _consent_text(slot, keep_until)
    context.update(slot=slot, keep_until=keep_until, consent_text=consent_text)
    if request.method == "GET":
        context.update(step="consent", consent_form=ConsentForm())
        return render(request, "desk/handover_book.html", context)

    step = request.POST.get("step")
    book_kwargs = {
        "offer": offer,
        "need": need,
        "branch": _branch_in(user, offer.library_id),
        "referral_id": referral.client_id if referral else None,
    }
    if step == "consent" and "without" in request.POST:
        return _book_and_show(request, slot, context, **book_kwargs)
    if step == "consent":
        consent_form = ConsentForm(request.POST)
        if not consent_form.is_valid():
            context.update(step="consent", consent_form=consent_form)
            return render(request, "desk/handover_book.html", context, status=400)
        token = signing.dumps(
            {"slot": slot.pk, "text": consent_text, "at": timezone.now().isoformat()},
            salt=CONSENT_SALT,
            compress=True,
        )
        context.update(step="contact", contact_form=ContactForm(), token=token)
        return render(request, "desk/handover_book.html", context)
    if step == "contact":
        try:
            consent = signing.loads(
                request.POST.get("token", ""), salt=CONSENT_SALT, max_age=CONSENT_MAX_AGE
            )
        except signing.BadSignature:
            consent = None
        if not consent or consent.get("slot") != slot.pk:
            context.update(step="consent", consent_form=ConsentForm())
            messages.error(request, _("Please ask for the customer's consent again."))
            return render(request, "desk/handover_book.html", context, status=400)
        contact_form = ContactForm(request.POST)
        if not contact_form.is_valid():
            context.update(
                step="contact", contact_form=contact_form, token=request.POST.get("token")
            )
            return render(request, "desk/handover_book.html", context, status=400)
        return _book_and_show(
            request,
            slot,
            context,
            consent_text=consent["text"],
            consent_at=dt.datetime.fromisoformat(consent["at"]),
            first_name=contact_form.cleaned_data["first_name"],
            contact=contact_form.cleaned_data["contact"],
            **book_kwargs,
        )
    context.update(step="consent", consent_form=ConsentForm())
    return render(request, "desk/handover_book.html", context, status=400)


def _book_and_show(request: HttpRequest, slot: Slot, context: dict, **kwargs) -> HttpResponse:
    try:
        handover = actions.book(slot.pk, **kwargs)
    except actions.SlotTaken:
        context.update(
            step="slot",
            **_free_times(kwargs["offer"], timezone.localtime(slot.starts_at).date().isoformat()),
            slot_error=_(
                "Another desk has just booked this time. Nothing was saved. "
                "Choose another time with the customer."
            ),
        )
        return render(request, "desk/handover_book.html", context, status=409)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        context.update(step="consent", consent_form=ConsentForm())
        return render(request, "desk/handover_book.html", context, status=400)
    booked = [str(handover.card_token), *request.session.get(CARDS_BOOKED, [])]
    request.session[CARDS_BOOKED] = booked[:CARDS_REMEMBERED]
    messages.success(request, _("The appointment is booked. Give the customer the card."))
    return redirect("desk:card", card=handover.card_token)


# --- The appointment card ----------------------------------------------------------------------


def _get_card(request: HttpRequest, card: uuid.UUID) -> HandOver:
    """The card, until the appointment has passed, for the desk colleague who booked it (in
    that session) and the library's Taalhuis colleagues. Nobody else: not managers, advisers
    or administrators, and not the rest of the desk. Others get 404, as for a card that does
    not exist."""
    user = request.user
    handover = (
        HandOver.objects.filter(card_token=card)
        .select_related("slot__colleague", "slot__branch", "offer", "library")
        .first()
    )
    if handover is None or handover.slot.ends_at <= timezone.now():
        raise Http404
    booked_here = str(card) in request.session.get(CARDS_BOOKED, []) and (
        handover.library_id in access.library_ids_where(user)
    )
    if not (booked_here or handover.library_id in taalhuis_library_ids(user)):
        raise Http404
    return handover


def _card_context(handover: HandOver) -> dict:
    slot = handover.slot
    with translation.override(CUSTOMER_LANGUAGE):
        bring = BRING.get(handover.offer.kind, "")  # type: ignore[call-overload]
        return {
            "handover": handover,
            "slot": slot,
            "starts_at": timezone.localtime(slot.starts_at),
            "where": (slot.branch or handover.library).name,
            "colleague": _first_name(slot.colleague),
            "bring": str(bring),
            "phone": DeskSettings.objects.filter(library=handover.library)
            .values_list("phone", flat=True)
            .first()
            or "",
            "cancelled": handover.outcome == Outcome.CANCELLED or slot.cancelled,
        }


@require_GET
def card(request: HttpRequest, card: uuid.UUID) -> HttpResponse:
    handover = _get_card(request, card)
    context = _card_context(handover)
    context["may_mail"] = is_email(handover.contact) and not context["cancelled"]
    if handover.first_name:
        record_event(
            AuditAction.CONTACT_SHOWN,
            actor=request.user,
            obj=handover,
            organisation=handover.library_id,
            request=request,
        )
    with translation.override(CUSTOMER_LANGUAGE):
        return render(request, "desk/handover_card.html", context)


@require_POST
def card_mail(request: HttpRequest, card: uuid.UUID) -> HttpResponse:
    handover = _get_card(request, card)
    if not is_email(handover.contact):
        raise Http404
    context = _card_context(handover)
    message = mail.message("desk/emails/handover_card", context, to=handover.contact)
    try:
        actions.mail_card(handover, message)
    except actions.CardMailedRecently as refusal:
        messages.error(
            request,
            _(
                "This card was already e-mailed at %(time)s. You can send it again from "
                "%(again)s. Or print the card and give it to the customer."
            )
            % {
                "time": defaultfilters.time(timezone.localtime(refusal.mailed_at), "H:i"),
                "again": defaultfilters.time(timezone.localtime(refusal.again_at), "H:i"),
            },
        )
    except Exception:
        logger.exception("Could not send the appointment card of hand-over %s", handover.pk)
        messages.error(request, _("The e-mail could not be sent. Print the card instead."))
    else:
        record_event(
            AuditAction.CARD_MAILED,
            actor=request.user,
            obj=handover,
            organisation=handover.library_id,
            request=request,
        )
        messages.success(request, _("The card was sent by e-mail."))
    return redirect("desk:card", card=handover.card_token)


# --- The Taalhuis side -------------------------------------------------------------------------


def _taalhuis_access(user: User) -> set[int]:
    """The Taalhuis side is for the library's Taalhuis colleagues and whoever has free time
    for hand-overs; an administrator is neither by being one."""
    libraries = taalhuis_library_ids(user)
    if not (libraries or Slot.objects.filter(colleague=user).exists()):
        raise Http404
    return libraries


def _quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = today.replace(month=first_month, day=1)
    end = (start + dt.timedelta(days=95)).replace(day=1)
    return start, end


@require_GET
def taalhuis(request: HttpRequest) -> HttpResponse:
    user = request.user
    libraries = _taalhuis_access(user)
    now = timezone.now()
    handovers = (
        HandOver.objects.visible_to(user)
        .select_related("slot__colleague", "slot__branch", "offer")
        .annotate(
            group=Case(
                When(Q(outcome=Outcome.PENDING, slot__starts_at__gte=now), then=Value(0)),
                When(outcome=Outcome.PENDING, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .annotate(coming_at=Case(When(group=0, then=F("slot__starts_at"))))
        .order_by("group", F("coming_at").asc(nulls_last=True), "-slot__starts_at", "pk")
    )
    page = Paginator(handovers, PER_PAGE).get_page(request.GET.get("pagina"))
    shown = [h for h in page.object_list if h.first_name or h.contact]
    if shown:
        record_events(AuditAction.CONTACT_SHOWN, shown, actor=user)
    start, end = _quarter(timezone.localdate(now))
    counts = dict(
        Intake.objects.filter(library_id__in=libraries, held_on__gte=start, held_on__lt=end)
        .order_by()
        .values_list("source")
        .annotate(n=Count("pk"))
    )
    by_source = [(label, counts.get(value, 0)) for value, label in IntakeSource.choices]
    total = sum(counts.values())
    return render(
        request,
        "desk/taalhuis_list.html",
        {
            "page": page,
            "now": now,
            "taalhuis_libraries": libraries,  # their cards open for the Taalhuis
            "outcomes": Outcome.choices,
            "intake_form": _intake_form(None, libraries),
            "by_source": by_source,
            "total": total,
            "from_desk": counts.get(IntakeSource.DESK, 0),
            "quarter_start": start,
            "quarter_end": end - dt.timedelta(days=1),
            "nav": "taalhuis",
        },
    )


def _intake_form(data, libraries: set[int]) -> IntakeForm:
    return IntakeForm(
        data,
        libraries=Organisation.objects.filter(pk__in=libraries),
        today=timezone.localdate(),
    )


@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    _taalhuis_access(request.user)
    handover = access.get_for(request.user, HandOver.objects.select_related("slot"), pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what came of it."))
        return redirect("desk:taalhuis")
    try:
        actions.record_outcome(handover, form.cleaned_data["outcome"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect(f"{reverse('desk:taalhuis')}?{urlencode(_page_of(request))}")


def _page_of(request: HttpRequest) -> dict:
    page = request.POST.get("pagina", "")
    return {"pagina": page} if page.isdigit() else {}


@require_http_methods(["GET", "POST"])
def intake_new(request: HttpRequest) -> HttpResponse:
    libraries = _taalhuis_access(request.user)
    form = _intake_form(request.POST or None, libraries)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.log_intake(data["library"], held_on=data["held_on"], source=data["source"])
        messages.success(request, _("The intake is counted."))
        return redirect("desk:taalhuis")
    return render(
        request,
        "desk/intake_new.html",
        {"intake_form": form, "nav": "taalhuis"},
        status=400 if request.method == "POST" else 200,
    )


# --- The library's desk settings ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def desk_settings(request: HttpRequest) -> HttpResponse:
    managed = Organisation.objects.filter(
        pk__in=access.library_ids_where(request.user, Role.MANAGER)
    ).order_by("name")
    libraries = list(managed)
    if not libraries:
        raise Http404
    chosen = request.POST.get("library") or request.GET.get("library")
    library = next((lib for lib in libraries if str(lib.pk) == chosen), libraries[0])
    current = DeskSettings.objects.filter(library=library).first()
    form = DeskSettingsForm(
        request.POST or None,
        initial={
            "retention_days": current.retention_days if current else 30,
            "phone": current.phone if current else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        DeskSettings.objects.update_or_create(library=library, defaults=form.cleaned_data)
        messages.success(request, _("Saved. New appointments use these settings."))
        return redirect(f"{reverse('desk:settings')}?{urlencode({'library': library.pk})}")
    return render(
        request,
        "desk/desk_settings.html",
        {"form": form, "library": library, "libraries": libraries, "nav": "desk"},
        status=400 if request.method == "POST" else 200,
    )
