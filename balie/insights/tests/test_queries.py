"""The pure parts of the dashboards: the before/after estimate, quartiles, the 25% rule,
suppression and the weeks of a period."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from balie.insights.filters import Period
from balie.insights.queries import (
    HIDDEN,
    SUPPRESSED,
    before_after,
    plotted,
    quartiles,
    share,
    shown,
    suggested_estimate,
    weeks_of,
    whole_weeks_of,
)


def test_before_after_known_inputs_give_the_known_interval() -> None:
    # before: mean 4, sample variance 4; after: mean 10, sample variance 4.
    # se = sqrt(4/3 + 4/3) = 1.63299; 95%: 6 ± 1.96 · 1.63299 = 6 ± 3.20066.
    estimate = before_after([2, 4, 6], [8, 10, 12])
    assert estimate is not None
    assert estimate.before_mean == 4 and estimate.after_mean == 10
    assert estimate.difference == 6
    assert estimate.low == pytest.approx(2.79934, abs=1e-4)
    assert estimate.high == pytest.approx(9.20066, abs=1e-4)
    assert (estimate.before_weeks, estimate.after_weeks) == (3, 3)
    assert estimate.clear


def test_before_after_uses_welch_for_unequal_groups() -> None:
    before, after = [1, 2, 3, 4], [5, 9]
    estimate = before_after(before, after)
    error = math.sqrt((5 / 3) / 4 + 8 / 2)
    assert estimate.difference == pytest.approx(7 - 2.5)
    assert estimate.high - estimate.difference == pytest.approx(1.96 * error)
    assert estimate.low == pytest.approx(0.38089, abs=1e-4)  # 4.5 − 1.96 · 2.11542
    assert estimate.clear


def test_no_estimate_without_two_weeks_on_each_side() -> None:
    assert before_after([], [5, 6, 7]) is None
    assert before_after([3], [5, 6, 7]) is None
    assert before_after([3, 4], [5]) is None


def test_an_unchanged_desk_gives_an_interval_around_zero() -> None:
    estimate = before_after([3, 5, 4, 4], [4, 3, 5, 4])
    assert estimate.low < 0 < estimate.high
    assert not estimate.clear


@given(
    st.lists(st.integers(0, 50), min_size=2, max_size=60),
    st.lists(st.integers(0, 50), min_size=2, max_size=60),
)
def test_the_interval_always_holds_the_difference(before: list[int], after: list[int]) -> None:
    estimate = before_after(before, after)
    assert estimate.low <= estimate.difference <= estimate.high


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
    assert whole_weeks_of(period) == [
        dt.date(2026, 1, 5),
        dt.date(2026, 1, 12),
        dt.date(2026, 1, 19),
    ]
