"""The answer first: one short answer per Kirkpatrick level, in plain words, with its figure and
how sure it is. Read from a `queries.Report` that is already made (its tables hold "<5" and "–"
already), so the answers cost no query and show nothing the tables do not: a suppressed figure
stays suppressed here. The same answers open the page, the report for the board and the exports.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from balie.insights.evidence import numbers
from balie.insights.queries import Chart, Report
from balie.lib.tables import Table


@dataclass(frozen=True)
class Summary:
    """One level's answer: `figure` in a few characters, `certainty` says how sure it is."""

    level: int
    name: str
    question: str
    answer: str
    figure: str = "–"
    certainty: str = ""


def _number(value: float) -> str:
    return formats.number_format(value, 1)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _column(table: Table, heading: str) -> int:
    return list(table.columns).index(heading)


def _row(table: Table, label: str) -> list[object] | None:
    return next((list(row) for row in table.rows if row and row[0] == label), None)


def reaction(report: Report) -> Summary:
    """L1: the usefulness across all subjects, weighted by their answers."""
    table = report.ratings
    answers_at, rating_at = _column(table, _("Answers")), _column(table, _("Usefulness (1–5)"))
    rated = [
        (row[answers_at], row[rating_at])
        for row in table.rows
        if _is_number(row[answers_at]) and _is_number(row[rating_at])
    ]
    summary = {
        "level": 1,
        "name": _("Reaction"),
        "question": _("What did the team think of the training?"),
    }
    if not rated:
        return Summary(
            **summary,
            answer=_("Too few answers yet to say this (a figure needs at least 5 answers)."),
        )
    answers = sum(count for count, _rating in rated)
    mean = sum(count * rating for count, rating in rated) / answers
    ratings = [rating for _count, rating in rated]
    return Summary(
        **summary,
        answer=_("The team rates how useful the training is at %(mean)s out of 5 on average.")
        % {"mean": _number(mean)},
        figure=_("%(mean)s of 5") % {"mean": _number(mean)},
        certainty=_("%(answers)s answers; per subject from %(low)s to %(high)s.")
        % {"answers": answers, "low": _number(min(ratings)), "high": _number(max(ratings))},
    )


def learning(report: Report) -> Summary:
    """L2: the self-assessment "I know which colleague to ask", first and last wave."""
    table = report.learning
    answers_at = _column(table, _("Answers"))
    knows_at = _column(table, _("I know which colleague to ask (1–5)"))
    waves = [row for row in table.rows if _is_number(row[knows_at])]
    summary = {
        "level": 2,
        "name": _("Learning"),
        "question": _("What does the team know?"),
    }
    if not waves:
        return Summary(
            **summary,
            answer=_("Too few self-assessments yet to say this (at least 5 per round)."),
        )
    first, last = waves[0], waves[-1]
    certainty = _("Self-assessment from 1 to 5; %(answers)s answers.") % {
        "answers": sum(row[answers_at] for row in waves if _is_number(row[answers_at]))
    }
    if first is last:
        return Summary(
            **summary,
            answer=_("“I know which colleague to ask”: %(value)s out of 5 (%(when)s).")
            % {"value": _number(first[knows_at]), "when": first[0]},
            figure=_("%(mean)s of 5") % {"mean": _number(first[knows_at])},
            certainty=certainty,
        )
    return Summary(
        **summary,
        answer=_(
            "“I know which colleague to ask”: from %(first)s (%(first_when)s) to %(last)s "
            "(%(last_when)s) out of 5."
        )
        % {
            "first": _number(first[knows_at]),
            "first_when": first[0],
            "last": _number(last[knows_at]),
            "last_when": last[0],
        },
        figure=f"{_number(first[knows_at])} → {_number(last[knows_at])}",
        certainty=certainty,
    )


def behaviour(report: Report) -> Summary:
    """L3: the library's evidence; on a POI's dashboard how many libraries clearly changed;
    on the country's the number of referrals (the answers are per library)."""
    summary = {
        "level": 3,
        "name": _("Behaviour"),
        "question": _("Does the desk refer more people since the training?"),
    }
    if report.evidence is not None:
        answer = report.evidence.answer
        if not answer.answered:
            return Summary(**summary, answer=report.evidence.headline)
        low, high = numbers(answer.referrals.low, answer.referrals.high)
        sign = "+" if answer.referrals.low > 0 else "−" if answer.referrals.high < 0 else ""
        return Summary(
            **summary,
            answer=report.evidence.headline,
            figure=_("%(low)s to %(high)s a week")
            % {
                "low": f"{'−' if answer.referrals.low < 0 else sign}{low}",
                "high": f"{'−' if answer.referrals.high < 0 else sign}{high}",
            },
            certainty=_(
                "95% interval: the true difference lies in this range with 95% certainty. "
                "Compared with libraries without training in the same weeks."
            ),
        )
    if report.estimates is not None:
        table = report.estimates
        value_at = _column(table, _("Extra referrals per week"))
        answered = [row for row in table.rows if _is_number(row[value_at])]
        unclear = _("No clear difference yet.")
        more = sum(1 for row in answered if row[1] != unclear and row[value_at] > 0)
        fewer = sum(1 for row in answered if row[1] != unclear and row[value_at] < 0)
        figures = {"more": more, "fewer": fewer, "all": len(table.rows)}
        sentence = (
            _(
                "In %(more)s of the %(all)s libraries the desk clearly refers more people since "
                "the training; in %(fewer)s clearly fewer."
            )
            if fewer
            else _(
                "In %(more)s of the %(all)s libraries the desk clearly refers more people since "
                "the training."
            )
        )
        rest = _(
            "The other libraries: no clear difference yet, or too little data. The answer "
            "per library is in the table under L3."
        )
        return Summary(
            **summary,
            answer=sentence % figures,
            figure=_("%(more)s of %(all)s") % figures,
            certainty=rest if more + fewer < len(table.rows) else "",
        )
    # The country: the total of the side-by-side table, as that table shows it.
    total = _row(report.summary, _("Total")) if report.summary else None
    count = total[_column(report.summary, _("Referrals"))] if total else 0
    return Summary(
        **summary,
        answer=_("The desks registered %(count)s referrals in this period.") % {"count": count},
        figure=str(count),
        certainty=_("Whether that is more since the training is answered per library."),
    )


def results(report: Report) -> Summary:
    """L4: the warm hand-overs to the Taalhuis and how many became an intake: the cells of
    the hand-overs table as they are shown."""
    summary = {
        "level": 4,
        "name": _("Results"),
        "question": _("Do more people reach the offer?"),
    }
    handovers = _row(report.handovers, _("All hand-overs"))
    if handovers is None:
        return Summary(**summary, answer=_("No warm hand-overs to the Taalhuis in this period."))
    share = _row(report.handovers, _("Became an intake (%)"))
    percent = share[1] if share else None
    # No total of intakes here: with the intakes per quarter it could undo a "<5".
    counted = _("Counted by the Taalhuis: what came of each warm hand-over.")
    if _is_number(percent):
        return Summary(
            **summary,
            answer=_(
                "%(count)s warm hand-overs to the Taalhuis; %(percent)s%% of them became an intake."
            )
            % {"count": handovers[1], "percent": percent},
            figure=f"{percent}%",
            certainty=counted,
        )
    return Summary(
        **summary,
        answer=_("%(count)s warm hand-overs to the Taalhuis: too few to give a share.")
        % {"count": handovers[1]},
        certainty=counted,
    )


def summaries(report: Report) -> list[Summary]:
    return [reaction(report), learning(report), behaviour(report), results(report)]


def answers_table(found: list[Summary]) -> Table:
    """The answers as the first table of the exports."""
    return Table(
        _("The answers per level"),
        [_("Level"), _("Question"), _("Answer"), _("Figure"), _("How sure")],
        [[f"L{s.level} {s.name}", s.question, s.answer, s.figure, s.certainty] for s in found],
        key="answers",
    )


def total_chart(report: Report) -> Chart:
    """The referrals per week of the whole library (or POI, or country), not per branch: one
    line without the gaps of small branches, with the weeks of the team meetings."""
    chart, table = report.weekly_chart, report.weekly
    total_at = _column(table, _("Total"))
    totals = [row[total_at] if _is_number(row[total_at]) else None for row in table.rows]
    marks = [series for series in chart.series if series.get("marks")]
    return Chart(
        chart.key,
        chart.kind,
        chart.labels,
        [{"label": _("All referrals"), "data": totals}, *marks],
    )


def steps_chart(report: Report) -> Chart | None:
    """The difference with what was expected without training, per four weeks before and after
    the first team meeting, with its 95% interval: the trained desk against its comparison."""
    if report.evidence is None or not report.evidence.answer.answered:
        return None
    steps = report.evidence.answer.event_study
    rounded = [
        tuple(round(x, 1) + 0.0 for x in (s.difference.value, s.difference.low, s.difference.high))
        for s in steps
    ]
    return Chart(
        "steps",
        "line",
        [str(s.first) for s in steps],
        [
            {"label": _("Difference per week"), "data": [v for v, _low, _high in rounded]},
            {
                "label": _("95% interval, low"),
                "data": [low for _v, low, _high in rounded],
                "band": True,
            },
            {
                "label": _("95% interval, high"),
                "data": [high for _v, _low, high in rounded],
                "band": True,
            },
        ],
    )
