"""The rules for small counts: "<5", rounding to 5, shares to 10 per cent, and the secondary
suppression of a row whose total is exact."""

from __future__ import annotations

from itertools import product

from balie.lib.small_counts import (
    HIDDEN,
    SUPPRESSED,
    plotted,
    possible,
    protected,
    share,
    shown,
    total_of,
)


def test_counts_under_five_are_suppressed_and_others_rounded_to_five() -> None:
    counts = (0, 1, 4, 5, 7, 8, 12, 13, 102)
    assert [shown(n) for n in counts] == [0, *[SUPPRESSED] * 2, 5, 5, 10, 10, 15, 100]
    assert [plotted(n) for n in (0, 1, 4, 5, 9)] == [0, None, None, 5, 10]


def test_a_total_minus_the_rounded_cells_never_pins_a_small_one() -> None:
    """Every row of two or three cells (one at least 1–4) with its total: the small cell is
    never the only value in 1–4 that fits the total minus the others."""
    for cells in product(range(0, 16), repeat=3):
        total = total_of(cells)
        if total == HIDDEN:
            continue
        low, high = possible(total)
        for n, cell in enumerate(cells):
            if not 0 < cell < 5:
                continue
            others = [possible(shown(c)) for m, c in enumerate(cells) if m != n]
            least = max(1, low - sum(other[1] for other in others))
            most = min(4, high - sum(other[0] for other in others))
            assert least <= cell <= most and most > least, (cells, total)


def test_the_total_is_hidden_only_where_it_would_give_a_small_cell_away() -> None:
    assert total_of([4, 4]) == HIDDEN  # 8 shown as 10: both must be 4
    assert total_of([1, 1, 1, 1]) == HIDDEN  # 4 is "<5": each must be 1
    assert total_of([3, 4]) == 5
    assert total_of([6, 3, 9]) == 20
    assert total_of([0, 0]) == 0
    assert sum(total_of(cells) == HIDDEN for cells in product(range(0, 16), repeat=3)) < 100


def test_shares_are_rounded_to_ten_and_hidden_over_small_counts() -> None:
    assert share(3, 4) == HIDDEN
    assert share(0, 0) is None
    assert share(2, 5) == HIDDEN  # two warm referrals: the share would give them back
    assert share(0, 7) == 0
    assert share(5, 10) == 50
    assert share(6, 9) == 70
    assert share(5, 11) == 50
    assert share(44, 100) == 40
    assert share(45, 100) == 50


def test_one_small_cell_in_a_row_hides_a_second() -> None:
    assert protected([6, 2, 0]) == [HIDDEN, SUPPRESSED, 0]
    assert protected([9, 2, 7]) == [9, SUPPRESSED, HIDDEN]
    assert protected([3, 0, 0]) == [SUPPRESSED, HIDDEN, 0]
    assert protected([3, 2, 9]) == [SUPPRESSED, SUPPRESSED, 9]
    assert protected([5, 0, 8]) == [5, 0, 8]
    assert protected([]) == []


def test_a_protected_row_never_pins_a_small_cell_from_its_total() -> None:
    for cells in product(range(0, 9), repeat=3):
        row = protected(cells)
        total = sum(cells)
        for n, value in enumerate(row):
            if value != SUPPRESSED:
                continue
            known = sum(cell for cell in row if isinstance(cell, int))
            hidden = [m for m, cell in enumerate(row) if cell in (SUPPRESSED, HIDDEN) and m != n]
            # The rest of the total is spread over this cell and the other hidden ones.
            rest = total - known
            fits = {v for v in range(1, 5) if v <= rest and (hidden or v == rest)}
            assert len(fits) >= 2 or total < 2, (cells, row)  # a team of one: nothing to hide
