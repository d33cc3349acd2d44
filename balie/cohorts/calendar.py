"""Meetings as iCalendar: the glue between the cohort models and `balie.lib.ical`.

- `meeting_event` turns a meeting into an `ical.Event` (UID and SEQUENCE from the model).
- `meetings_for` is what goes into a person's own feed: the meetings, with a time, of the
  cohorts they take part in, advise or manage — cancelled ones too, so calendars drop them.
  `feed_ics` adds the person's knowledge carousel rounds (`balie.carousel.calendar`).
- `feed_token_for` gives the secret of a person's feed address; renewing it makes the old
  address stop working at once. `feed_user` is the reverse, for the (public) feed view.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from balie.carousel import calendar as carousel_calendar
from balie.cohorts.models import AgendaItem, CalendarFeed, Cohort, Meeting, MeetingQuerySet
from balie.lib import ical
from balie.orgs.models import User

DEFAULT_SITE_URL = "http://127.0.0.1:8000"
# A meeting with a start but no end still needs one in a calendar.
DEFAULT_LENGTH = timedelta(hours=2)


def site_url() -> str:
    return getattr(settings, "BALIE_SITE_URL", DEFAULT_SITE_URL).rstrip("/")


def absolute_url(path: str) -> str:
    return site_url() + path


def meeting_url(meeting: Meeting) -> str:
    return absolute_url(reverse("cohorts:meeting", args=[meeting.pk]))


def with_calendar_data(meetings: MeetingQuerySet) -> MeetingQuerySet:
    """Everything `meeting_event` reads, in a fixed number of queries."""
    return meetings.select_related("cohort__adviser", "cohort__library", "branch").prefetch_related(
        Prefetch(
            "agenda", AgendaItem.objects.select_related("presenter").order_by("position", "id")
        ),
        "preparation",
    )


def meeting_event(meeting: Meeting, *, attendee: User | None = None) -> ical.Event:
    """The calendar event of a meeting that has a start time."""
    if meeting.starts_at is None:
        raise ValueError(f"Meeting {meeting.pk} has no start time yet")
    cohort = meeting.cohort
    title = f"{meeting.title} — {cohort.name}"
    if meeting.cancelled:
        title = _("Cancelled: %(title)s") % {"title": title}
    place = meeting.branch.name if meeting.branch else cohort.library.name
    location = ", ".join(part for part in (place, meeting.room.strip()) if part)
    ends_at = meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH
    adviser = cohort.adviser
    return ical.Event(
        uid=str(meeting.uid),
        sequence=meeting.sequence,
        start=meeting.starts_at,
        end=ends_at if ends_at > meeting.starts_at else meeting.starts_at + DEFAULT_LENGTH,
        summary=title,
        description=meeting_description(meeting),
        location=location,
        url=meeting_url(meeting),
        cancelled=meeting.cancelled,
        organizer_name=adviser.full_name,
        organizer_email=adviser.email,
        last_modified=meeting.updated_at,
        attendees=((attendee.full_name, attendee.email),) if attendee else (),
    )


def meeting_description(meeting: Meeting) -> str:
    """Plain text: the purpose, the agenda with presenters, the modules to finish first and
    the meeting's page."""
    parts: list[str] = []
    if meeting.cancelled:
        parts.append(_("This meeting has been cancelled."))
    if meeting.purpose.strip():
        parts.append(meeting.purpose.strip())
    agenda = list(meeting.agenda.all())
    if agenda:
        lines = [_("Agenda:")]
        for number, item in enumerate(agenda, start=1):
            details = [_("%(minutes)s min.") % {"minutes": item.minutes}]
            if item.presenter:
                details.append(item.presenter.full_name)
            lines.append(f"{number}. {item.title} ({', '.join(details)})")
        parts.append("\n".join(lines))
    modules = list(meeting.preparation.all())
    if modules:
        lines = [_("To prepare, finish these modules first:")]
        lines += [f"- {module}" for module in modules]
        parts.append("\n".join(lines))
    parts.append(_("More about this meeting: %(url)s") % {"url": meeting_url(meeting)})
    return "\n\n".join(parts)


def meetings_for(user: User) -> MeetingQuerySet:
    """The meetings with a start time of every cohort `user` takes part in, advises or
    manages, cancelled ones included (so that calendars remove them)."""
    cohorts = Cohort.objects.filter(
        Q(participants__user=user) | Q(adviser=user) | Q(manager=user)
    ).values("pk")
    meetings = Meeting.objects.filter(cohort__in=cohorts, starts_at__isnull=False)
    return with_calendar_data(meetings).order_by("starts_at", "pk")


def feed_ics(user: User) -> bytes:
    """A person's own calendar feed: their meetings and their knowledge carousel rounds."""
    events = [meeting_event(meeting) for meeting in meetings_for(user)]
    events += carousel_calendar.events_for(user, base_url=site_url())
    return ical.calendar(events, name=_("Balie: meetings of %(name)s") % {"name": user})


def meeting_ics(meeting: Meeting, *, for_user: User | None = None) -> bytes:
    """One meeting as a download or an e-mail attachment; a cancelled meeting as a
    cancellation (METHOD:CANCEL) of the same event."""
    method = "CANCEL" if meeting.cancelled else "PUBLISH"
    event = meeting_event(meeting, attendee=for_user if meeting.cancelled else None)
    return ical.calendar([event], name=meeting.title, method=method)


def feed_token_for(user: User, *, renew: bool = False) -> str:
    """The secret in the address of `user`'s feed, made on first use. `renew` replaces it:
    the old address stops working."""
    if renew:
        feed, _created = CalendarFeed.objects.update_or_create(
            user=user, defaults={"token": secrets.token_urlsafe(32)}
        )
    else:
        feed, _created = CalendarFeed.objects.get_or_create(
            user=user, defaults={"token": secrets.token_urlsafe(32)}
        )
    return feed.token


def feed_user(token: str) -> User | None:
    """Whose feed this secret opens: an active person, or nobody."""
    if not token:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user
