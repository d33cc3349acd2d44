"""The pure parts of the dashboards: quartiles, the 25% rule and the weeks of a period
(suppression: balie/lib/tests/test_small_counts.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from balie.insights.filters import Period
from balie.insights.queries import quartiles, suggested_estimate, weeks_of


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


def test_weeks_of_a_period() -> None:
    period = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31))  # a Thursday to a Saturday
    assert weeks_of(period)[0] == dt.date(2025, 12, 29)
    assert weeks_of(period)[-1] == dt.date(2026, 1, 26)
    assert len(weeks_of(period)) == 5
