"""The pure parts of the dashboards: quartiles, the 25% rule,
suppression and the weeks of a period."""

from __future__ import annotations

import datetime as dt

import pytest

from balie.insights.filters import Period
from balie.insights.queries import (
    HIDDEN,
    SUPPRESSED,
    plotted,
    quartiles,
    share,
    shown,
    suggested_estimate,
    weeks_of,
)


def test_quartiles_interpolate() -> None:
    assert quartiles([10, 20, 30, 40, 50]) == (20, 30, 40)
    assert quartiles([7]) == (7, 7, 7)
    assert quartiles([10, 20]) == (12.5, 15, 17.5)


@pytest.mark.parametrize(
    ("median", "estimate", "suggested"),
    [
        (50, 40, None),  # exactly 25% over: not flagged
        (50.5, 40, 55),  # just over: the median rounded up to 5 minutes
        (61, 40, 65),
        (65, 40, 65),
        (30, 40, None),
        (9, 5, 10),
    ],
)
def test_modules_more_than_25_percent_over_get_a_suggestion(
    median: float, estimate: int, suggested: int | None
) -> None:
    assert suggested_estimate(median, estimate) == suggested


def test_counts_under_five_are_suppressed() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 12)] == [0, SUPPRESSED, SUPPRESSED, 5, 12]
    assert [plotted(n) for n in (0, 1, 4, 5)] == [0, None, None, 5]
    assert share(3, 4) == HIDDEN
    assert share(0, 0) is None
    assert share(2, 5) == 40


def test_weeks_of_a_period() -> None:
    period = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31))  # a Thursday to a Saturday
    assert weeks_of(period)[0] == dt.date(2025, 12, 29)
    assert weeks_of(period)[-1] == dt.date(2026, 1, 26)
    assert len(weeks_of(period)) == 5
