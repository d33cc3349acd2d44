"""Did the desk refer more people after the training than it would have without? A pure module
(numpy and scipy, no Django): weekly counts in, an answer with its uncertainty out.

The method (docs/evidence.md says it in plain words):

- **Difference-in-differences with a proportional comparison.** The trained units (a
  library's branches, taken together) are compared with comparison units that were not trained
  at any time in the window: never trained, or trained only after the last week (not yet
  trained). A unit trained earlier, or during the window, is never a comparison: its own
  training effect would be counted as "what would have happened anyway" (the staggered-start
  bias of a two-way fixed-effects regression). The trained units have one start: the week of
  their first team meeting.
- **What would have happened without training** is the comparison's count in the same week,
  times the ratio of the two before the start: ``expected_t = r · C_t`` with
  ``r = ΣT_before / ΣC_before``. This is the imputation estimator of Borusyak, Jaravel and
  Spiess with a multiplicative (Poisson) unit and week effect, for one trained group: the week
  effect carries the seasons (tax returns, the summer, Christmas), in the very weeks they fall,
  and it scales with the size of each unit, so a large library and a small comparison share
  their seasons. The estimate is the mean of ``T_t − expected_t`` over the weeks after:
  extra referrals per week for the trained units together. The weeks from the start until
  ``settled`` (the training itself, first to last team meeting) are in neither part.
- **The interval respects autocorrelation.** Weekly counts lean on the week before. The error
  of the estimate is a weighted sum of the weekly residuals ``u_t``; its variance is
  ``ω² · (g/weeks_after + ρ²/weeks_before)``, with ``ω²`` the long-run variance of ``u``
  before the start (after it, ``u`` also holds how the effect follows the seasons, which is no
  noise), ``g`` the observed over the expected level after (counts vary more when higher) and
  ``ρ`` the comparison's level after over before. ``ω²`` is the equal-weighted cosine (EWC)
  estimator of Lazarus, Lewis, Stock and Watson (2018): the mean square of the first ``ν``
  cosine transforms of ``u`` (``scipy.fft.dct``), ``ν = ⌊0.41 · n^(2/3)⌋`` for ``n`` weeks before;
  the t-statistic then has a t distribution with ``ν`` degrees of freedom, which keeps the 95%
  interval at 95% with few weeks and autocorrelated counts, where Newey–West with a normal
  reference covers too little. The simulation in ``tests/test_estimate.py`` checks it.
- **The warm share** (percentage points) is a difference-in-differences of ratios of sums:
  ``(warm share after − before)`` of the trained units minus that of the comparison, with an
  EWC long-run variance of the linearised weekly residuals in each part, and Welch–
  Satterthwaite degrees of freedom for the two together.
- **The event study** gives the same difference per block of four weeks, before and after the
  start; before the start it should hover around 0. The **pre-trend check** is the slope of the
  differences over the weeks before the start, with its interval: a clear slope means that the
  two did not run parallel before, and the answer should be read with care.
- **When the data cannot answer**, there is no number but a reason: no training in the window,
  no comparison, fewer than ``MIN_WEEKS_BEFORE`` weeks before or ``MIN_WEEKS_AFTER`` weeks
  after, or too few referrals. A clear difference is always an answer. "No clear difference"
  is an answer only when the data could have found one: when the minimum detectable effect
  (MDE, 80% power at the 5% level), ``(t_ν,0.975 + t_ν,0.80) · ω · √(g/weeks_after +
  ρ²/weeks_before)``, is at most ``DETECTABLE_SHARE`` of the weekly referrals expected without
  training. Otherwise Balie solves the formula for the number of weeks after that brings the
  MDE there (``weeks_needed``); when even endless weeks would not do (the part before is too
  short or too thin), ``weeks_needed`` is None. (The interval is then still in the answer, for
  the simulation, but not shown.)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import fft, stats

LEVEL = 0.95
POWER = 0.80
MIN_WEEKS_BEFORE = 8
MIN_WEEKS_AFTER = 4
# Answer only when a change of this share of the expected weekly referrals would be found.
DETECTABLE_SHARE = 0.5
BIN_WEEKS = 4


class Reason(StrEnum):
    NO_TRAINING = "no_training"
    NO_COMPARISON = "no_comparison"
    FEW_WEEKS_BEFORE = "few_weeks_before"
    FEW_WEEKS_AFTER = "few_weeks_after"
    FEW_REFERRALS = "few_referrals"


@dataclass(frozen=True)
class Count:
    """One row of the input: a unit's referrals (and warm referrals) in the week of Monday
    `week`. Weeks without a row count as 0."""

    unit: Hashable
    week: dt.date
    referrals: int
    warm: int = 0


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float

    @property
    def clear(self) -> bool:
        """The interval does not include 0."""
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class Step:
    """One block of the event study: weeks `first` to `last` since the start (negative
    before), the difference with what was expected per week."""

    first: int
    last: int
    difference: Interval


@dataclass(frozen=True)
class Answer:
    start: dt.date | None = None
    weeks_before: int = 0
    weeks_after: int = 0
    expected: float | None = None  # referrals per week expected without training (after)
    # Extra referrals per week, trained units together. Also when `reason` says that the data
    # cannot answer yet (no clear difference, and too little data to find one): then it is
    # not for showing.
    referrals: Interval | None = None
    warm_share: Interval | None = None  # change of the warm share, percentage points
    event_study: tuple[Step, ...] = ()
    pre_trend: Interval | None = None  # slope of the differences before, per week
    detectable: float | None = None  # the minimum detectable effect now, per week
    reason: Reason | None = None
    weeks_needed: int | None = None

    @property
    def clear(self) -> bool:
        return self.referrals is not None and self.referrals.clear

    @property
    def answered(self) -> bool:
        """There is a number to show: a clear difference, or enough data to call its absence."""
        return self.referrals is not None and self.reason is None

    @property
    def parallel(self) -> bool:
        """No clear trend in the differences before the start."""
        return self.pre_trend is None or not self.pre_trend.clear


def estimate(
    counts: Iterable[Count],
    starts: Mapping[Hashable, dt.date | None],
    trained: Collection[Hashable],
    weeks: Sequence[dt.date],
    settled: dt.date | None = None,
) -> Answer:
    """The answer for the units in `trained` (taken together), against the units of `starts`
    that were not trained in the window `weeks` (consecutive Mondays). `starts` gives each
    unit's first training week (its Monday), or None; units without a start are never
    trained. Rows of units not in `starts` are ignored. The weeks from the start until
    `settled` (the week after the last team meeting, say) are the training itself: shown in
    the event study, but neither "before" nor "after" in the estimate."""
    position = {week: n for n, week in enumerate(weeks)}
    units = list(starts)
    index = {unit: n for n, unit in enumerate(units)}
    referrals = np.zeros((len(units), len(weeks)))
    warm = np.zeros((len(units), len(weeks)))
    for row in counts:
        if row.unit in index and row.week in position:
            referrals[index[row.unit], position[row.week]] += row.referrals
            warm[index[row.unit], position[row.week]] += row.warm
    last = weeks[-1] if weeks else dt.date.min
    trained_starts = [starts[unit] for unit in trained if starts.get(unit) is not None]
    start = min(trained_starts, default=None)
    if start is None or start > last:
        return Answer(reason=Reason.NO_TRAINING)
    is_trained = np.array([unit in trained for unit in units], dtype=bool)
    is_comparison = np.array(
        [unit not in trained and (starts[unit] is None or starts[unit] > last) for unit in units],
        dtype=bool,
    )
    mondays = np.array(weeks, dtype="datetime64[D]")
    first = int(np.searchsorted(mondays, np.datetime64(start)))
    after = int(np.searchsorted(mondays, np.datetime64(max(settled or start, start))))
    answer = estimate_series(
        referrals[is_trained].sum(axis=0),
        warm[is_trained].sum(axis=0),
        referrals[is_comparison].sum(axis=0),
        warm[is_comparison].sum(axis=0),
        first,
        after,
    )
    return Answer(**{**answer.__dict__, "start": start})


def estimate_series(
    trained: np.ndarray,
    trained_warm: np.ndarray,
    comparison: np.ndarray,
    comparison_warm: np.ndarray,
    start: int,
    settled: int | None = None,
) -> Answer:
    """The answer for one trained series against one comparison series (weekly counts, the
    same weeks), the training starting at index `start` and its effect counted from index
    `settled` (default: `start`). Weeks before both series have their
    first referral are left out: a tally not yet in use is not a quiet desk."""
    if not comparison.any():
        return Answer(reason=Reason.NO_COMPARISON)
    if not trained.any():
        return Answer(reason=Reason.FEW_REFERRALS)
    begin = max(int(np.argmax(trained > 0)), int(np.argmax(comparison > 0)))
    begin = min(begin, start)
    t, c = trained[begin:], comparison[begin:]
    tw, cw = trained_warm[begin:], comparison_warm[begin:]
    g = start - begin
    h = max(settled if settled is not None else start, start) - begin
    before, after = slice(0, g), slice(h, None)
    n_before, n_after = g, len(t) - h
    if n_before < MIN_WEEKS_BEFORE:
        return Answer(weeks_before=n_before, weeks_after=n_after, reason=Reason.FEW_WEEKS_BEFORE)
    if c[before].sum() == 0:
        return Answer(weeks_before=n_before, weeks_after=n_after, reason=Reason.NO_COMPARISON)
    if t[before].sum() == 0:
        return Answer(weeks_before=n_before, weeks_after=n_after, reason=Reason.FEW_REFERRALS)
    ratio = t[before].sum() / c[before].sum()
    difference = t - ratio * c  # observed minus expected without training, per week
    effect = float(difference[after].mean()) if n_after else 0.0
    level = c[after].mean() / c[before].mean() if n_after else 1.0
    expected = float(ratio * (c[after].mean() if n_after else c[before].mean()))
    # The noise is that of the desk without training, learnt from the weeks before: after the
    # start the differences also hold how the effect itself varies from week to week (it
    # follows the seasons), which is no uncertainty about the mean effect. Counts vary more
    # when they are higher, so the noise after grows with the observed over the expected
    # level (variance in proportion to the mean, as for Poisson counts).
    spread = _Spread.of(difference[before])
    growth = max(1.0, float(t[after].mean()) / expected) if n_after and expected > 0 else 1.0
    common = {"weeks_before": n_before, "weeks_after": n_after, "expected": expected}

    def error(weeks_after: int) -> tuple[float, float]:
        variance = spread.variance * (growth / weeks_after + level**2 / n_before)
        return math.sqrt(variance), spread.nu

    detectable = _detectable(*error(max(n_after, 1)))
    goal = DETECTABLE_SHARE * expected
    waiting: dict = {}
    if n_after < MIN_WEEKS_AFTER or detectable > goal:
        waiting = {"reason": Reason.FEW_REFERRALS}
        if _detectable(*error(10**6)) <= goal:
            low, needed = max(n_after + 1, MIN_WEEKS_AFTER) - 1, 10**6  # bisect; low: too few
            while needed - low > 1:
                middle = (low + needed) // 2
                fine = _detectable(*error(middle)) <= goal
                low, needed = (low, middle) if fine else (middle, needed)
            waiting = {"reason": Reason.FEW_WEEKS_AFTER, "weeks_needed": needed - n_after}
    if n_after < MIN_WEEKS_AFTER:
        return Answer(**common, detectable=detectable, **waiting)
    t_crit = float(stats.t.ppf(0.5 + LEVEL / 2, spread.nu))
    referrals = _interval(effect, error(n_after)[0], t_crit)
    if referrals.clear:
        waiting = {}  # a clear difference is an answer, however small the data
    return Answer(
        **common,
        referrals=referrals,
        warm_share=_warm_share(t, tw, c, cw, g, h),
        event_study=_event_study(difference, c, g, spread.variance, growth, t_crit),
        pre_trend=_pre_trend(difference[before], spread),
        detectable=detectable,
        **waiting,
    )


@dataclass(frozen=True)
class _Spread:
    """The long-run variance ω² of a part's residuals (per week) and its degrees of freedom."""

    variance: float
    nu: int

    @classmethod
    def of(cls, values: np.ndarray) -> _Spread:
        nu = _degrees_of_freedom(len(values))
        return cls(_long_run_variance(values - values.mean(), nu), nu)


def _combine(a: _Spread, a_weight: float, b: _Spread, b_weight: float) -> tuple[float, float]:
    """The standard error of a sum of two independent parts (variance × weight each), and
    its degrees of freedom by Welch–Satterthwaite."""
    va, vb = a.variance * a_weight, b.variance * b_weight
    total = va + vb
    if total == 0:
        return 0.0, float(min(a.nu, b.nu))
    return math.sqrt(total), total**2 / (va**2 / a.nu + vb**2 / b.nu)


def _detectable(error: float, nu: float) -> float:
    """The minimum detectable effect: found with 80% power by a 5% two-sided test."""
    return (float(stats.t.ppf(0.5 + LEVEL / 2, nu)) + float(stats.t.ppf(POWER, nu))) * error


def _degrees_of_freedom(weeks: int) -> int:
    """ν of the EWC estimator (Lazarus et al. 2018): ⌊0.41 · n^(2/3)⌋, at least 2."""
    return max(2, math.floor(0.41 * weeks ** (2 / 3)))


def _long_run_variance(residual: np.ndarray, nu: int) -> float:
    """ω²: the mean square of the first ν type-II cosine transforms (orthonormal), each of
    which estimates the long-run variance of the residuals per week."""
    cosines = fft.dct(residual, type=2, norm="ortho")[1 : nu + 1]
    return float(np.mean(cosines**2))


def _interval(value: float, error: float, t_crit: float) -> Interval:
    return Interval(value, value - t_crit * error, value + t_crit * error)


def _warm_share(
    t: np.ndarray, tw: np.ndarray, c: np.ndarray, cw: np.ndarray, g: int, h: int
) -> Interval | None:
    parts = (slice(0, g), slice(h, None))
    if any(series[part].sum() == 0 for series in (t, c) for part in parts):
        return None
    shares, spreads = [], []
    for part in parts:
        share_t = tw[part].sum() / t[part].sum()
        share_c = cw[part].sum() / c[part].sum()
        shares.append(share_t - share_c)
        # The linearised residual of the two ratios of sums, per week of the part.
        linear = (tw[part] - share_t * t[part]) / t[part].mean() - (
            cw[part] - share_c * c[part]
        ) / c[part].mean()
        spreads.append(_Spread.of(linear))
    error, nu = _combine(spreads[1], 1 / (len(t) - h), spreads[0], 1 / g)
    t_crit = float(stats.t.ppf(0.5 + LEVEL / 2, nu))
    return _interval(100 * (shares[1] - shares[0]), 100 * error, t_crit)


def _event_study(
    difference: np.ndarray,
    c: np.ndarray,
    g: int,
    noise: float,
    growth: float,
    t_crit: float,
) -> tuple[Step, ...]:
    """Blocks of BIN_WEEKS weeks, counted from the start (block 0 starts in its week). The
    variance of a block S's mean difference, with B the weeks before and ρ the comparison's
    level in S over B: ω² · (growth/|S| + ρ²/|B|) after the start, and
    ω² · (1/|S| + ρ²/|B| − 2ρ/|B|) before it (S lies inside B)."""
    weeks = np.arange(len(difference)) - g
    blocks = np.floor_divide(weeks, BIN_WEEKS)
    c_before = c[:g].mean()
    steps = []
    for block in np.unique(blocks):
        inside = blocks == block
        size = int(inside.sum())
        level = c[inside].mean() / c_before
        if block < 0:
            variance = noise * (1 / size + level**2 / g - 2 * level / g)
        else:
            variance = noise * (growth / size + level**2 / g)
        steps.append(
            Step(
                int(weeks[inside][0]),
                int(weeks[inside][-1]),
                _interval(float(difference[inside].mean()), math.sqrt(max(variance, 0.0)), t_crit),
            )
        )
    return tuple(steps)


def _pre_trend(before: np.ndarray, spread: _Spread) -> Interval:
    """The least-squares slope of the differences over the weeks before, per week."""
    weeks = np.arange(len(before), dtype=float)
    weights = (weeks - weeks.mean()) / ((weeks - weeks.mean()) ** 2).sum()
    error = math.sqrt(spread.variance * (weights**2).sum())
    t_crit = float(stats.t.ppf(0.5 + LEVEL / 2, spread.nu))
    return _interval(float(weights @ before), error, t_crit)
