"""The figures of the insights dashboards, along Kirkpatrick's four levels.

Reads across apps (desk, learning, cohorts, evaluations); nothing imports this module but the
insights views. The rules of DOMAIN.md (f) hold in every figure:

- team level only: no figure names or ranks a colleague; comments carry the week, no name;
- every count from 1 to 4 is shown as "<5", other counts rounded to 5 and shares to 10 per
  cent, and a figure derived from fewer than 5 (an average, a share, a median) is not shown
  ("–"), in the page, the charts and the exports alike, because they are all made from the
  same `Table`s (`balie.lib.small_counts`; the attacker in tests/test_disclosure.py);
- the L3 answer (`evidence.py`, `estimate.py`) compares with libraries without training, so
  that the seasons and national campaigns do not count as the training's; it is still a
  contribution, not proof: a local campaign or a new help point changes the figures too.

Counting happens in the database (one grouped query per figure, whatever the number of rows or
libraries); only the seconds of completed modules are fetched, to take medians portably.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from balie.cohorts.models import Meeting
from balie.desk.models import HandOver, Intake, IntakeSource, Outcome, Referral
from balie.insights.estimate import Interval
from balie.insights.evidence import Evidence, evidence_for, headline, monday
from balie.insights.filters import Period
from balie.insights.models import Kind, Response, TimeVerdict, Wave
from balie.learning.models import ModuleProgress
from balie.lib.small_counts import HIDDEN, SMALL, plotted, share, shown, total_of
from balie.lib.tables import Table
from balie.orgs import access
from balie.orgs.models import Membership, Organisation, Role, User

OVERRUN = 1.25
COMMENTS_SHOWN = 20


# --- who may see which dashboard ---------------------------------------------------------


def libraries_for(user: User) -> QuerySet[Organisation]:
    """The libraries whose dashboard `user` may open: their own as manager, those their POI
    serves as adviser, all for national roles. Desk staff and specialists see none: the
    dashboard is for steering the training, and the fewer who see team figures the better."""
    libraries = Organisation.objects.filter(kind=Organisation.Kind.LIBRARY)
    if access.is_national(user):
        return libraries
    managed = access.library_ids_where(user, Role.MANAGER)
    return libraries.filter(Q(id__in=managed) | Q(parent_id__in=_advised_poi_ids(user)))


def pois_for(user: User) -> QuerySet[Organisation]:
    """The POIs whose dashboard `user` may open: their own as adviser, all for national roles."""
    pois = Organisation.objects.filter(kind=Organisation.Kind.POI)
    if access.is_national(user):
        return pois
    return pois.filter(id__in=_advised_poi_ids(user))


def may_see_country(user: User) -> bool:
    return access.is_national(user)


def may_see_a_dashboard(user: User) -> bool:
    return access.is_national(user) or user.has_role(Role.MANAGER, Role.ADVISER)


def _advised_poi_ids(user: User) -> set[int]:
    return {m.organisation_id for m in user.active_memberships if m.role == Role.ADVISER}


# --- small pure helpers ------------------------------------------------------------------


def average(value: float | None, answers: int) -> float | str | None:
    if value is None or answers == 0:
        return None
    if answers < SMALL:
        return HIDDEN
    return round(float(value), 1)


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """The 25th percentile, the median and the 75th percentile (linear interpolation)."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        return (values[0],) * 3
    p25, median, p75 = statistics.quantiles(values, n=4, method="inclusive")
    return p25, median, p75


def suggested_estimate(median_minutes: float, estimated_minutes: int) -> int | None:
    """When the median runs more than 25% over the estimate: the median rounded up to 5
    minutes, as a new estimate to consider. Otherwise None."""
    if median_minutes <= estimated_minutes * OVERRUN:
        return None
    return max(5, math.ceil(median_minutes / 5) * 5)


def weeks_of(period: Period) -> list[dt.date]:
    """The Mondays of the ISO weeks that touch the period."""
    first, last = monday(period.start), monday(period.end)
    return [first + dt.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def week_label(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return _("week %(week)s, %(year)s") % {"week": week, "year": year}


def quarter_label(day: dt.date) -> str:
    return _("Q%(quarter)s %(year)s") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}


def month_label(day: dt.date) -> str:
    return formats.date_format(day, "F Y")


def _day(value: dt.date | dt.datetime) -> dt.date:
    """A truncated date or datetime as the local calendar day."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


# --- the scope of a dashboard ------------------------------------------------------------

BRANCH, LIBRARY, POI = "branch", "library", "poi"


@dataclass
class Scope:
    """Which libraries a dashboard covers, how its figures are split (per branch, library or
    POI) and the filter."""

    level: str
    libraries: QuerySet  # of library ids, used as a subquery
    groups: list[tuple[int | None, str]]
    period: Period
    branch: Organisation | None = None
    library: Organisation | None = None

    @property
    def group_field(self) -> str:
        return {BRANCH: "branch_id", LIBRARY: "library_id", POI: "library__parent_id"}[self.level]

    @property
    def org_field(self) -> str:
        """Hand-overs and intakes have no branch: on a library's dashboard they are the
        library's."""
        return "library__parent_id" if self.level == POI else "library_id"


def library_scope(library: Organisation, period: Period, branch: Organisation | None) -> Scope:
    branches = list(
        library.children.filter(kind=Organisation.Kind.BRANCH)
        .order_by("name")
        .values_list("id", "name")
    )
    if branch is not None:
        branches = [(pk, name) for pk, name in branches if pk == branch.pk]
    return Scope(
        BRANCH,
        Organisation.objects.filter(pk=library.pk).values("id"),
        [*branches, (None, _("no branch given"))],
        period,
        branch=branch,
        library=library,
    )


def poi_scope(poi: Organisation, period: Period) -> Scope:
    libraries = Organisation.objects.filter(parent=poi, kind=Organisation.Kind.LIBRARY)
    return Scope(
        LIBRARY,
        libraries.values("id"),
        list(libraries.order_by("name").values_list("id", "name")),
        period,
    )


def national_scope(period: Period) -> Scope:
    return Scope(
        POI,
        Organisation.objects.filter(kind=Organisation.Kind.LIBRARY).values("id"),
        list(
            Organisation.objects.filter(kind=Organisation.Kind.POI)
            .order_by("name")
            .values_list("id", "name")
        ),
        period,
    )


# --- the report --------------------------------------------------------------------------


@dataclass
class Chart:
    """What charts.js draws: labels along the x axis and one or more series."""

    key: str
    kind: str
    labels: list[str]
    series: list[dict[str, Any]]
    percent: bool = False
    stacked: bool = False
    y_max: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "labels": self.labels,
            "series": self.series,
            "percent": self.percent,
            "stacked": self.stacked,
            "y_max": self.y_max,
        }


@dataclass
class Report:
    scope: Scope
    ratings: Table
    comments: Table
    time: Table
    overrun: list[dict[str, Any]]
    learning: Table
    learning_chart: Chart
    weekly: Table
    weekly_chart: Chart
    warm: Table
    warm_chart: Chart
    handovers: Table
    intakes: Table
    intakes_chart: Chart
    evidence: Evidence | None = None
    steps: Table | None = None  # the evidence's event study
    estimates: Table | None = None
    summary: Table | None = None
    counts: dict[str, int | str] = field(default_factory=dict)  # "<5" in a cached report
    cache_key: str = ""  # of a cached report: its page's figures may be kept under it too

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values())

    def tables(self) -> list[Table]:
        tables = [
            self.ratings,
            self.comments,
            self.time,
            self.learning,
            self.weekly,
            self.warm,
        ]
        tables += [table for table in (self.steps, self.estimates) if table is not None]
        tables += [self.handovers, self.intakes]
        if self.summary is not None:
            tables.append(self.summary)
        return tables


def report(scope: Scope) -> Report:
    ratings, comments, responses = _reaction(scope)
    time, overrun, completions = _time_spent(scope)
    learning, learning_chart, assessments = _learning(scope)
    weekly_counts = _weekly(scope)
    meetings = _meetings(scope)
    weekly, weekly_chart = _weekly_table(scope, weekly_counts, meetings)
    warm, warm_chart = _warm_share(scope)
    handover_rows = _handover_rows(scope)
    intake_rows = _intake_rows(scope)
    handovers = _handovers_table(handover_rows)
    intakes, intakes_chart = _intakes_table(intake_rows)
    result = Report(
        scope=scope,
        ratings=ratings,
        comments=comments,
        time=time,
        overrun=overrun,
        learning=learning,
        learning_chart=learning_chart,
        weekly=weekly,
        weekly_chart=weekly_chart,
        warm=warm,
        warm_chart=warm_chart,
        handovers=handovers,
        intakes=intakes,
        intakes_chart=intakes_chart,
        counts={
            "responses": responses,
            "completions": completions,
            "assessments": assessments,
            "referrals": sum(row["n"] for row in weekly_counts),
            "handovers": sum(row["n"] for row in handover_rows),
            "intakes": sum(row["n"] for row in intake_rows),
        },
    )
    if scope.level == BRANCH:
        result.evidence = evidence_for(
            _training(meetings), [scope.library], scope.period, scope.branch, data_version()
        )[scope.library.pk]
        result.steps = _steps(result.evidence)
    elif scope.level == LIBRARY:
        result.estimates = _estimates_per_library(scope, meetings)
    if scope.level in (LIBRARY, POI):
        result.summary = _summary(scope, weekly_counts, handover_rows, intake_rows)
    return result


# --- the cache ---------------------------------------------------------------------------

# A cached report is used for at most this long: changes to rows that exist already (an undone
# tap, a module completed, a retention purge) show within this time, new rows at once.
CACHE_SECONDS = 5 * 60
# The tables that the figures are counted from. A new row in any of them makes a new key.
SOURCES = (Referral, HandOver, Intake, Response, ModuleProgress, Meeting, Membership, Organisation)


def cached_report(scope: Scope, name: str) -> Report:
    """`report(scope)`, kept in the cache for the dashboards (a library's, with its branch
    filter, a POI's, the country's: `name` says which). The key holds the filter, the language (the
    labels are translated) and `data_version()`. What is kept is what the page shows: the
    tables and charts with "<5" applied, the totals as `shown` — never rows or raw small
    counts."""
    key = ":".join(
        [
            "insights-report",
            name,
            scope.period.start.isoformat(),
            scope.period.end.isoformat(),
            translation.get_language() or "",
            data_version(),
        ]
    )
    kept = cache.get(key)
    if kept is None:
        found = report(scope)
        kept = {
            f.name: getattr(found, f.name)
            for f in fields(Report)
            if f.name not in ("scope", "cache_key")
        }
        kept["counts"] = {figure: shown(count) for figure, count in found.counts.items()}
        cache.set(key, kept, CACHE_SECONDS)
    return Report(scope=scope, cache_key=key, **kept)


def data_version() -> str:
    """The highest id in each source table, in one query that reads one index entry per
    table: it changes with every new referral, response, completion or meeting, whichever
    process (app server, task worker, import) wrote it."""
    quote = connection.ops.quote_name
    # Table and column names from the models, quoted; nothing from a request.
    highest = ", ".join(
        f"(SELECT MAX({quote(model._meta.pk.column)}) FROM {quote(model._meta.db_table)})"  # noqa: S608
        for model in SOURCES
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {highest}")
        return "-".join(str(value or 0) for value in cursor.fetchone())


# --- L1 reaction -------------------------------------------------------------------------

KIND_ORDER = {Kind.MODULE: 0, Kind.MEETING: 1, Kind.STATION: 2}
REACTION_KINDS = (Kind.MODULE, Kind.MEETING, Kind.STATION)


def _responses(scope: Scope) -> QuerySet[Response]:
    return Response.objects.filter(
        library_id__in=scope.libraries,
        submitted_on__gte=scope.period.start,
        submitted_on__lte=scope.period.end,
    )


def _subject(row: dict[str, Any]) -> str:
    if row["kind"] == Kind.MODULE:
        return f"{row['module__code']} {row['module__title']}".strip()
    if row["kind"] == Kind.MEETING:
        return row["meeting__title"] or ""
    return row["station__topic"] or ""


def _reaction(scope: Scope) -> tuple[Table, Table, int]:
    """Average usefulness per module, meeting (by title) and carousel station (by topic),
    with the time verdicts; then the newest comments of subjects with at least 5 answers."""
    rows = list(
        _responses(scope)
        .filter(kind__in=REACTION_KINDS)
        .values(
            "kind", "module_id", "module__code", "module__title", "meeting__title", "station__topic"
        )
        .annotate(
            answers=Count("id"),
            rated=Count("rating"),
            usefulness=Avg("rating"),
            longer=Count("id", filter=Q(time_verdict=TimeVerdict.TOO_LITTLE)),
            right=Count("id", filter=Q(time_verdict=TimeVerdict.RIGHT)),
            shorter=Count("id", filter=Q(time_verdict=TimeVerdict.TOO_MUCH)),
        )
        .order_by()
    )
    rows.sort(key=lambda row: (KIND_ORDER[row["kind"]], _subject(row).lower()))
    kinds = dict(Kind.choices)
    ratings = Table(
        _("L1: how useful"),
        [
            _("Subject"),
            _("Kind"),
            _("Answers"),
            _("Usefulness (1–5)"),
            _("Took more time"),
            _("Time about right"),
            _("Took less time"),
        ],
        [
            [
                _subject(row),
                str(kinds[row["kind"]]),
                shown(row["answers"]),
                average(row["usefulness"], row["rated"]),
                shown(row["longer"]),
                shown(row["right"]),
                shown(row["shorter"]),
            ]
            for row in rows
        ],
        key="ratings",
    )
    comments = Table(_("L1: comments"), [_("Week"), _("Subject"), _("Comment")], [], key="comments")
    enough = Q(pk__in=[])
    for row in rows:
        if row["answers"] < SMALL:
            continue
        if row["kind"] == Kind.MODULE:
            enough |= Q(kind=Kind.MODULE, module_id=row["module_id"])
        elif row["kind"] == Kind.MEETING:
            enough |= Q(kind=Kind.MEETING, meeting__title=row["meeting__title"])
        else:
            enough |= Q(kind=Kind.STATION, station__topic=row["station__topic"])
    if any(row["answers"] >= SMALL for row in rows):
        newest = (
            _responses(scope)
            .filter(enough)
            .exclude(comment="")
            .values(
                "kind",
                "submitted_on",
                "comment",
                "module__code",
                "module__title",
                "meeting__title",
                "station__topic",
            )
            .order_by("-submitted_on", "-pk")[:COMMENTS_SHOWN]
        )
        comments.rows = [
            [week_label(row["submitted_on"]), _subject(row), row["comment"]] for row in newest
        ]
    return ratings, comments, sum(row["answers"] for row in rows)


# --- L1 time spent -----------------------------------------------------------------------


def _time_spent(scope: Scope) -> tuple[Table, list[dict[str, Any]], int]:
    """Time on task of the modules the team completed in the period: median and spread
    against the estimate. Only the seconds are fetched, one row per completion."""
    start, end = _bounds(scope.period)
    members = Membership.objects.filter(organisation_id__in=scope.libraries)
    if scope.branch is not None:
        members = members.filter(branch=scope.branch)
    rows = (
        ModuleProgress.objects.filter(
            completed_at__gte=start,
            completed_at__lt=end,
            user_id__in=members.values("user_id"),
        )
        .order_by("module__programme_id", "module__position", "module_id")
        .values_list(
            "module_id", "module__code", "module__title", "module__estimated_minutes", "seconds"
        )
    )
    modules: dict[int, dict[str, Any]] = {}
    for module_id, code, title, estimated, seconds in rows:
        module = modules.setdefault(
            module_id,
            {"title": f"{code} {title}".strip(), "estimated": estimated, "minutes": []},
        )
        module["minutes"].append(seconds / 60)
    table = Table(
        _("L1: time spent per module"),
        [
            _("Module"),
            _("Completed"),
            _("Median (minutes)"),
            _("Middle half (minutes)"),
            _("Estimate (minutes)"),
            _("Suggested estimate"),
        ],
        [],
        key="time",
    )
    overrun = []
    for module in modules.values():
        minutes = module["minutes"]
        if len(minutes) < SMALL:
            table.rows.append(
                [module["title"], shown(len(minutes)), HIDDEN, HIDDEN, module["estimated"], ""]
            )
            continue
        p25, median, p75 = quartiles(sorted(minutes))
        suggestion = suggested_estimate(median, module["estimated"])
        table.rows.append(
            [
                module["title"],
                shown(len(minutes)),
                round(median),
                f"{round(p25)}–{round(p75)}",
                module["estimated"],
                suggestion or "",
            ]
        )
        if suggestion:
            overrun.append(
                {
                    "title": module["title"],
                    "median": round(median),
                    "estimated": module["estimated"],
                    "suggested": suggestion,
                }
            )
    return table, overrun, sum(len(module["minutes"]) for module in modules.values())


# --- L2 learning -------------------------------------------------------------------------


def _learning(scope: Scope) -> tuple[Table, Chart, int]:
    """The self-assessment per wave: the team's averages and the share of quiz answers right."""
    rows = {
        row["wave"]: row
        for row in _responses(scope)
        .filter(kind=Kind.SELF, wave__isnull=False)
        .values("wave")
        .annotate(
            answers=Count("id"),
            knows=Avg("knows_colleagues"),
            knows_n=Count("knows_colleagues"),
            signals=Avg("recognises_signals"),
            signals_n=Count("recognises_signals"),
            right=Sum("quiz_right"),
            total=Sum("quiz_total"),
            quizzed=Count("quiz_total"),
        )
        .order_by("wave")
    }
    table = Table(
        _("L2: self-assessment"),
        [
            _("When"),
            _("Answers"),
            _("I know which colleague to ask (1–5)"),
            _("I recognise the signals (1–5)"),
            _("Offer quiz: answers right (%)"),
        ],
        [],
        key="learning",
    )
    chart = Chart("learning", "bar", [], [], y_max=5)
    knows_series: list[float | None] = []
    signals_series: list[float | None] = []
    for wave in Wave:
        row = rows.get(wave.value)
        if row is None:
            continue
        knows = average(row["knows"], row["knows_n"])
        signals = average(row["signals"], row["signals_n"])
        quiz = share(row["right"] or 0, row["total"] or 0) if row["quizzed"] >= SMALL else None
        if row["quizzed"] and row["quizzed"] < SMALL:
            quiz = HIDDEN
        table.rows.append([str(wave.label), shown(row["answers"]), knows, signals, quiz])
        chart.labels.append(str(wave.label))
        knows_series.append(knows if isinstance(knows, float) else None)
        signals_series.append(signals if isinstance(signals, float) else None)
    chart.series = [
        {"label": _("I know which colleague to ask"), "data": knows_series},
        {"label": _("I recognise the signals"), "data": signals_series},
    ]
    return table, chart, sum(row["answers"] for row in rows.values())


# --- L3 behaviour ------------------------------------------------------------------------


def _referrals(scope: Scope) -> QuerySet[Referral]:
    start, end = _bounds(scope.period)
    referrals = Referral.objects.counted().filter(
        library_id__in=scope.libraries, hour__gte=start, hour__lt=end
    )
    if scope.branch is not None:
        referrals = referrals.filter(branch=scope.branch)
    return referrals


def _weekly(scope: Scope) -> list[dict[str, Any]]:
    """Referrals and warm referrals per ISO week and group (branch, library or POI)."""
    zone = timezone.get_current_timezone()
    rows = list(
        _referrals(scope)
        .annotate(week=TruncWeek("hour", tzinfo=zone))
        .values("week", group=F(scope.group_field))
        .annotate(n=Count("id"), warm=Count("id", filter=Q(warm=True)))
        .order_by()
    )
    for row in rows:
        row["week"] = monday(_day(row["week"]))
        if scope.level == LIBRARY:
            row["library"] = row["group"]
    return rows


def _meetings(scope: Scope) -> list[tuple[int, dt.datetime, int]]:
    """The team meetings of the course as each library first held it (library, start,
    number), not cancelled: the before/after compares the desk before the library's first
    cohort with after it; later cohorts fall in its "after". On the national dashboard there
    are too many libraries for marks to mean anything."""
    if scope.level == POI:
        return []
    rows = (
        Meeting.objects.filter(
            cohort__library_id__in=scope.libraries, cancelled=False, starts_at__isnull=False
        )
        .order_by("cohort__starts_on", "cohort_id", "starts_at")
        .values_list("cohort__library_id", "cohort_id", "starts_at", "position")
    )
    first_cohort: dict[int, int] = {}
    meetings = []
    for library, cohort, starts_at, number in rows:
        if first_cohort.setdefault(library, cohort) == cohort:
            meetings.append((library, starts_at, number))
    return sorted(meetings, key=lambda meeting: meeting[1])


def _weekly_table(
    scope: Scope, rows: list[dict[str, Any]], meetings: list[tuple[int, dt.datetime, int]]
) -> tuple[Table, Chart]:
    counts: dict[tuple[dt.date, int | None], int] = defaultdict(int)
    warm: dict[dt.date, int] = defaultdict(int)
    for row in rows:
        counts[row["week"], row["group"]] += row["n"]
        warm[row["week"]] += row["warm"]
    used = {group for _week, group in counts}
    groups = [(pk, name) for pk, name in scope.groups if pk is not None or None in used]
    marks: dict[dt.date, list[str]] = defaultdict(list)
    for _library, starts_at, number in meetings:
        marks[monday(timezone.localtime(starts_at).date())].append(
            _("meeting %(number)s") % {"number": number}
        )
    weeks = weeks_of(scope.period) if rows else []
    table = Table(
        _("L3: referrals per week"),
        [
            _("Week"),
            *[name for _pk, name in groups],
            _("Total"),
            _("Warm (%)"),
            _("Team meeting"),
        ],
        [],
        key="weekly",
    )
    chart = Chart("weekly", "line", [week_label(week) for week in weeks], [])
    series: dict[int | None, list[int | None]] = {pk: [] for pk, _name in groups}
    meeting_series: list[int | None] = []
    for week in weeks:
        total = sum(counts[week, pk] for pk, _name in groups)
        cells = [shown(counts[week, pk]) for pk, _name in groups]
        for pk, _name in groups:
            series[pk].append(plotted(counts[week, pk]))
        table.rows.append(
            [
                week_label(week),
                *cells,
                total_of([counts[week, pk] for pk, _name in groups]),
                share(warm[week], total),
                ", ".join(sorted(set(marks.get(week, [])))),
            ]
        )
        meeting_series.append(1 if week in marks else None)
    chart.series = [{"label": name, "data": series[pk]} for pk, name in groups]
    if any(meeting_series):
        chart.series.append({"label": _("Team meeting"), "data": meeting_series, "marks": True})
    return table, chart


def _warm_share(scope: Scope) -> tuple[Table, Chart]:
    """The share of warm referrals per month."""
    zone = timezone.get_current_timezone()
    rows = (
        _referrals(scope)
        .annotate(month=TruncMonth("hour", tzinfo=zone))
        .values("month")
        .annotate(n=Count("id"), warm=Count("id", filter=Q(warm=True)))
        .order_by("month")
    )
    table = Table(
        _("L3: warm referrals per month"),
        [_("Month"), _("Referrals"), _("Warm"), _("Warm (%)")],
        [],
        key="warm",
    )
    chart = Chart("warm", "line", [], [], percent=True)
    values: list[int | None] = []
    for row in rows:
        month = _day(row["month"]).replace(day=1)
        percent = share(row["warm"], row["n"])
        table.rows.append([month_label(month), shown(row["n"]), shown(row["warm"]), percent])
        chart.labels.append(month_label(month))
        values.append(percent if isinstance(percent, int) else None)
    chart.series = [{"label": _("Warm (%)"), "data": values}]
    return table, chart


def _estimates_per_library(scope: Scope, meetings: list[tuple[int, dt.datetime, int]]) -> Table:
    """The evidence for each library of a POI, one row each."""
    libraries = list(Organisation.objects.filter(id__in=scope.libraries).order_by("name"))
    found = evidence_for(_training(meetings), libraries, scope.period, version=data_version())
    table = Table(
        _("L3: referrals since the training, against libraries without training"),
        [
            _("Library"),
            _("Answer"),
            _("Extra referrals per week"),
            _("95% interval"),
            _("Warm share (percentage points)"),
        ],
        [],
        key="estimates",
    )
    for library in libraries:
        answer = found[library.pk].answer
        if not answer.answered:
            table.rows.append([library.name, headline(answer), HIDDEN, HIDDEN, HIDDEN])
            continue
        warm = answer.warm_share
        table.rows.append(
            [
                library.name,
                headline(answer),
                round(answer.referrals.value, 1) + 0.0,
                _span(answer.referrals),
                f"{round(warm.value):.0f} ({_span(warm, 0)})" if warm else HIDDEN,
            ]
        )
    return table


def _steps(evidence: Evidence) -> Table:
    """The event study: the difference with what was expected, per four weeks."""
    return Table(
        _("L3: difference per four weeks, before and after the first team meeting"),
        [_("Weeks since the first team meeting"), _("Difference per week"), _("95% interval")],
        [
            [
                _("%(first)s to %(last)s") % {"first": step.first, "last": step.last},
                round(step.difference.value, 1) + 0.0,
                _span(step.difference),
            ]
            for step in evidence.answer.event_study
        ],
        key="steps",
    )


def _span(interval: Interval, places: int = 1) -> str:
    low, high = (
        formats.number_format(round(value, places) + 0.0, places)
        for value in (interval.low, interval.high)
    )
    return f"{low} – {high}"


def _training(
    meetings: list[tuple[int, dt.datetime, int]],
) -> dict[int, tuple[dt.datetime, dt.datetime]]:
    """Each library's first and last team meeting of its first cohort: its training."""
    training: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for library, starts_at, _number in meetings:
        first, last = training.get(library, (starts_at, starts_at))
        training[library] = (min(first, starts_at), max(last, starts_at))
    return training


# --- L4 results --------------------------------------------------------------------------


def _handover_rows(scope: Scope) -> list[dict[str, Any]]:
    start, end = _bounds(scope.period)
    handovers = HandOver.objects.filter(
        library_id__in=scope.libraries, slot__starts_at__gte=start, slot__starts_at__lt=end
    )
    if scope.branch is not None:
        handovers = handovers.filter(slot__branch=scope.branch)
    return list(
        handovers.values("outcome", group=F(scope.org_field))
        .annotate(n=Count("id"), intakes=Count("intake"))
        .order_by()
    )


def _handovers_table(rows: list[dict[str, Any]]) -> Table:
    per_outcome: dict[str, int] = defaultdict(int)
    for row in rows:
        per_outcome[row["outcome"]] += row["n"]
    total = sum(per_outcome.values())
    intakes = sum(row["intakes"] for row in rows)
    table = Table(
        _("L4: warm hand-overs"), [_("What came of it"), _("Hand-overs")], [], key="handovers"
    )
    if total:
        table.rows = [[str(label), shown(per_outcome[value])] for value, label in Outcome.choices]
        table.rows.append([_("All hand-overs"), total_of(list(per_outcome.values()))])
        table.rows.append([_("Became an intake"), shown(intakes)])
        table.rows.append([_("Became an intake (%)"), share(intakes, total)])
    return table


def _intake_rows(scope: Scope) -> list[dict[str, Any]]:
    return list(
        Intake.objects.filter(
            library_id__in=scope.libraries,
            held_on__gte=scope.period.start,
            held_on__lte=scope.period.end,
        )
        .annotate(quarter=TruncQuarter("held_on"))
        .values("quarter", "source", group=F(scope.org_field))
        .annotate(n=Count("id"))
        .order_by()
    )


def _intakes_table(rows: list[dict[str, Any]]) -> tuple[Table, Chart]:
    counts: dict[tuple[dt.date, str], int] = defaultdict(int)
    for row in rows:
        counts[_day(row["quarter"]), row["source"]] += row["n"]
    quarters = sorted({quarter for quarter, _source in counts})
    sources = IntakeSource.choices
    table = Table(
        _("L4: intakes per quarter, by where people came from"),
        [
            _("Quarter"),
            *[str(label) for _value, label in sources],
            _("All"),
            _("From the desk (%)"),
        ],
        [],
        key="intakes",
    )
    chart = Chart(
        "intakes",
        "bar",
        [quarter_label(quarter) for quarter in quarters],
        [{"label": str(label), "data": []} for _value, label in sources],
        stacked=True,
    )
    for quarter in quarters:
        total = sum(counts[quarter, value] for value, _label in sources)
        table.rows.append(
            [
                quarter_label(quarter),
                *[shown(counts[quarter, value]) for value, _label in sources],
                total_of([counts[quarter, value] for value, _label in sources]),
                share(counts[quarter, IntakeSource.DESK], total),
            ]
        )
        for series, (value, _label) in zip(chart.series, sources, strict=True):
            series["data"].append(plotted(counts[quarter, value]))
    return table, chart


# --- side by side ------------------------------------------------------------------------


def _summary(
    scope: Scope,
    weekly: list[dict[str, Any]],
    handovers: list[dict[str, Any]],
    intakes: list[dict[str, Any]],
) -> Table:
    """One row per library (POI dashboard) or POI (national), and the total."""
    referrals: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for row in weekly:
        referrals[row["group"]][0] += row["n"]
        referrals[row["group"]][1] += row["warm"]
    handed: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for row in handovers:
        handed[row["group"]][0] += row["n"]
        handed[row["group"]][1] += row["intakes"]
    taken: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for row in intakes:
        taken[row["group"]][0] += row["n"]
        taken[row["group"]][1] += row["n"] if row["source"] == IntakeSource.DESK else 0
    table = Table(
        _("The libraries side by side") if scope.level == LIBRARY else _("The POIs side by side"),
        [
            _("Library") if scope.level == LIBRARY else _("POI"),
            _("Referrals"),
            _("Warm (%)"),
            _("Hand-overs"),
            _("Became an intake (%)"),
            _("Intakes"),
            _("From the desk (%)"),
        ],
        [],
        key="summary",
    )

    figures = (referrals, handed, taken)
    for pk, name in scope.groups:
        cells = [(shown(f[pk][0]), share(f[pk][1], f[pk][0])) for f in figures]
        table.rows.append([name, *[cell for pair in cells for cell in pair]])
    # The total row: each total hidden where it would give a "<5" above it away.
    row: list[object] = [_("Total")]
    for f in figures:
        counts = [f[pk][0] for pk, _name in scope.groups]
        whole = sum(counts)
        row += [total_of(counts), share(sum(f[pk][1] for pk, _name in scope.groups), whole)]
    table.rows.append(row)
    return table
