"""The L3 answer on the dashboards: did the desk refer more people since the training than it
would have without? The weekly counts come from the database (grouped queries, a fixed
number whatever the number of referrals or libraries); the estimate is `estimate.estimate`;
this module chooses what to compare with and says the answer in plain words.

- The trained unit is the library (or the branch chosen in the filter), from the week of the
  first team meeting of its first cohort: the cohort trains the library's team, whichever
  branch each colleague works in, so the branches of a trained library share its start and
  are no comparison for each other.
- The comparison is the libraries that were not trained in the window (no team meeting before
  its end) and used the tally from the window's start: those of the same POI when together
  they have at least as many referrals as the trained library (so that the comparison adds no
  more noise than the library itself), otherwise those of the whole country.
- The window: up to a year (52 weeks) before the first team meeting, up to the last whole week
  of the chosen period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncWeek
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from balie.cohorts.models import Meeting
from balie.desk.models import Referral
from balie.insights.estimate import Answer, Reason, estimate
from balie.insights.estimate import Count as WeekCount
from balie.insights.filters import Period
from balie.orgs.models import Organisation

WEEKS_BEFORE = 52
CACHE_SECONDS = 5 * 60
TRAINED, COMPARISON = "trained", "comparison"


@dataclass(frozen=True)
class Evidence:
    """The answer for one library, what it was compared with, and the plain words."""

    answer: Answer
    comparison: str  # "poi", "country" or ""
    libraries: int  # in the comparison

    @property
    def headline(self) -> str:
        return headline(self.answer)

    @property
    def details(self) -> list[str]:
        return details(self)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _local_monday(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return monday(moment)


def evidence_for(
    training: dict[int, tuple[dt.datetime, dt.datetime]],
    libraries: list[Organisation],
    period: Period,
    branch: Organisation | None = None,
    version: str = "",
) -> dict[int, Evidence]:
    """The evidence for each of `libraries`, trained in `training[library.pk]` (its first and
    last team meeting; missing when the library has none), up to the end of `period`. The
    weeks of the training itself (from the first meeting to the last) are neither before nor
    after. The comparison's weekly sums are kept in the cache under `version` (the data's
    version: a new referral or meeting makes a new key), since they count across the country."""
    last = monday(period.end + dt.timedelta(days=1)) - dt.timedelta(weeks=1)  # whole weeks
    weeks_of = {pk: _local_monday(first) for pk, (first, _last) in training.items()}
    settled = {
        pk: _local_monday(last_meeting) + dt.timedelta(weeks=1)
        for pk, (_first, last_meeting) in training.items()
    }
    trained = [library for library in libraries if library.pk in weeks_of]
    if not trained:
        return {
            library.pk: Evidence(Answer(reason=Reason.NO_TRAINING), "", 0) for library in libraries
        }
    first = min(weeks_of.values()) - dt.timedelta(weeks=WEEKS_BEFORE)
    if first > last:
        first = last
    weeks = [first + dt.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    end = _midnight(last + dt.timedelta(weeks=1))
    referrals = Referral.objects.counted().filter(hour__gte=_midnight(first), hour__lt=end)
    zone = timezone.get_current_timezone()

    target = referrals.filter(library_id__in=[library.pk for library in trained])
    if branch is not None:
        target = target.filter(branch=branch)
    own: dict[int, list[WeekCount]] = defaultdict(list)
    for row in (
        target.annotate(week=TruncWeek("hour", tzinfo=zone))
        .values("week", "library_id")
        .annotate(n=Count("id"), warm=Count("id", filter=Q(warm=True)))
        .order_by()
    ):
        own[row["library_id"]].append(
            WeekCount(TRAINED, _local_monday(row["week"]), row["n"], row["warm"])
        )

    key = f"insights-comparison:{first}:{last}:{version}" if version else ""
    kept = cache.get(key) if key else None
    if kept is None:
        kept = _comparisons(referrals, first, end)
        if key:
            cache.set(key, kept, CACHE_SECONDS)
    comparison_libraries, near = kept

    found = {}
    for library in libraries:
        if library.pk not in weeks_of:
            found[library.pk] = Evidence(Answer(reason=Reason.NO_TRAINING), "", 0)
            continue
        rows = own[library.pk]
        poi = near.get(library.parent_id, [])
        if poi and sum(row.referrals for row in poi) >= sum(row.referrals for row in rows):
            comparison, chosen, count = "poi", poi, comparison_libraries[library.parent_id]
        else:
            chosen = [row for rows_of_poi in near.values() for row in rows_of_poi]
            comparison, count = (
                ("country", sum(comparison_libraries.values())) if chosen else ("", 0)
            )
        answer = estimate(
            rows + chosen,
            {TRAINED: weeks_of[library.pk], COMPARISON: None},
            {TRAINED},
            [
                week
                for week in weeks
                if week >= weeks_of[library.pk] - dt.timedelta(weeks=WEEKS_BEFORE)
            ],
            settled[library.pk],
        )
        found[library.pk] = Evidence(answer, comparison, count)
    return found


def _comparisons(
    referrals: QuerySet[Referral], first: dt.date, end: dt.datetime
) -> tuple[dict[int | None, int], dict[int | None, list[WeekCount]]]:
    """The libraries not trained before the window ends, with a tally in use from its start:
    how many per POI, and their referrals per week and POI. Sums over libraries only."""
    zone = timezone.get_current_timezone()
    untrained = (
        Organisation.objects.filter(kind=Organisation.Kind.LIBRARY)
        .annotate(
            trained_at=Subquery(
                Meeting.objects.filter(
                    cohort__library=OuterRef("pk"), cancelled=False, starts_at__isnull=False
                )
                .order_by("starts_at")
                .values("starts_at")[:1]
            ),
            tallied_from=Subquery(
                Referral.objects.filter(library=OuterRef("pk")).order_by("hour").values("hour")[:1]
            ),
        )
        .filter(
            Q(trained_at__isnull=True) | Q(trained_at__gte=end),
            tallied_from__lt=_midnight(first + dt.timedelta(weeks=1)),
        )
        .values_list("id", "parent_id")
    )
    comparison_libraries: dict[int | None, int] = defaultdict(int)
    for _pk, poi in untrained:
        comparison_libraries[poi] += 1
    near: dict[int | None, list[WeekCount]] = defaultdict(list)
    for row in (
        referrals.filter(library_id__in=[pk for pk, _poi in untrained])
        .annotate(week=TruncWeek("hour", tzinfo=zone))
        .values("week", poi=F("library__parent_id"))
        .annotate(n=Count("id"), warm=Count("id", filter=Q(warm=True)))
        .order_by()
    ):
        near[row["poi"]].append(
            WeekCount(COMPARISON, _local_monday(row["week"]), row["n"], row["warm"])
        )

    return dict(comparison_libraries), dict(near)


# --- in plain words ----------------------------------------------------------------------


def numbers(*values: float) -> list[str]:
    """Figures as people read them, without sign: whole numbers, or with one decimal when all
    are under 2 (Dutch comma)."""
    places = 1 if all(abs(value) < 2 for value in values) else 0
    return [formats.number_format(round(abs(value), places), places) for value in values]


def headline(answer: Answer) -> str:
    """The answer in one sentence (B1)."""
    if answer.answered:
        low, high = numbers(answer.referrals.low, answer.referrals.high)
        if answer.referrals.low > 0:
            return _(
                "Since the training the desk refers about %(low)s to %(high)s people a week more "
                "than expected without training."
            ) % {"low": low, "high": high}
        if answer.referrals.high < 0:
            return _(
                "Since the training the desk refers about %(low)s to %(high)s people a week fewer "
                "than expected without training."
            ) % {"low": high, "high": low}
        return _("No clear difference yet.")
    if answer.reason == Reason.FEW_WEEKS_AFTER:
        return ngettext(
            "Too little data yet: in about %(weeks)s week Balie can say this.",
            "Too little data yet: in about %(weeks)s weeks Balie can say this.",
            answer.weeks_needed,
        ) % {"weeks": answer.weeks_needed}
    return {
        Reason.NO_TRAINING: _(
            "No team meeting has taken place yet, so there is no “since the training”."
        ),
        Reason.NO_COMPARISON: _(
            "There is no library without training to compare with, so Balie cannot say what "
            "would have happened without training."
        ),
        Reason.FEW_WEEKS_BEFORE: _(
            "Too little data: the desk counted fewer than 8 weeks before the first team meeting, "
            "so Balie cannot say what is normal here."
        ),
        Reason.FEW_REFERRALS: _(
            "Too little data: there are too few referrals to see a difference, even after more "
            "weeks."
        ),
    }[answer.reason]


def details(evidence: Evidence) -> list[str]:
    """The sentences under the answer: the spread, the warm share, what it was compared with
    and whether the two ran alike before."""
    answer = evidence.answer
    if not answer.answered:
        return []
    lines = []
    if not answer.referrals.clear:
        low, high = numbers(answer.referrals.low, answer.referrals.high)
        lines.append(
            _(
                "The difference lies somewhere between %(low)s fewer and %(high)s more people a "
                "week than expected without training."
            )
            % {"low": low, "high": high}
        )
    warm = answer.warm_share
    if warm is not None and warm.clear:
        low, high = numbers(warm.low, warm.high)
        if warm.high < 0:
            low, high = high, low
        lines.append(
            (
                _(
                    "Warm referrals: about %(low)s to %(high)s percentage points more of all "
                    "referrals."
                )
                if warm.low > 0
                else _(
                    "Warm referrals: about %(low)s to %(high)s percentage points less of all "
                    "referrals."
                )
            )
            % {"low": low, "high": high}
        )
    elif warm is not None:
        lines.append(_("Warm referrals: no clear difference yet."))
    compared = (
        ngettext(
            "Compared with %(count)s library of the same POI without training yet.",
            "Compared with %(count)s libraries of the same POI without training yet.",
            evidence.libraries,
        )
        if evidence.comparison == "poi"
        else ngettext(
            "Compared with %(count)s library in the country without training yet.",
            "Compared with %(count)s libraries in the country without training yet.",
            evidence.libraries,
        )
    ) % {"count": evidence.libraries}
    lines.append(
        compared
        + " "
        + _(
            "What happened there in the same weeks shows what was to be expected here; "
            "%(before)s weeks before the first team meeting and %(after)s weeks after the last."
        )
        % {"before": answer.weeks_before, "after": answer.weeks_after}
    )
    if answer.parallel:
        lines.append(_("Before the training the desk and the comparison went up and down alike."))
    else:
        lines.append(
            _(
                "Careful: before the training the desk and the comparison did not go up and down "
                "alike, so the difference may be off."
            )
        )
    return lines
