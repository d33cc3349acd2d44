"""The attacker: for every count shown as "<5", no combination of what a manager, an adviser
or a national editor can see — the dashboard page, its CSV and XLSX exports, and a second
period a few days or a week off — pins it to one value.

The attacker knows the published rules (docs/privacy.md, "Small counts"): 1 to 4 is "<5",
other counts are rounded to a multiple of `ROUNDING`, shares to a multiple of
`SHARE_ROUNDING` per cent. From every figure it makes the interval of true values consistent
with it, and tries: a total minus the visible cells of its row or column, a share times its
total, and the same cell in two periods subtracted. A value pinned in 1–4 is a leak.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from html.parser import HTMLParser
from itertools import permutations

from django.urls import reverse
from openpyxl import load_workbook

from balie.desk.models import Outcome
from balie.insights.tests.test_dashboards import (
    DashboardTestCase,
    at,
    make_handover,
    make_referrals,
)
from balie.lib.small_counts import ROUNDING, SHARE_ROUNDING, SMALL, possible
from balie.orgs.actions import create_organisation
from balie.orgs.models import Organisation

INFINITY = math.inf
# The figures that add up: (table's first column heading or total row) -> the total's name.
TOTAL_COLUMNS = ("Total", "All")
TOTAL_ROWS = ("Total", "All hand-overs")
# A share and the count it is a share of, by column heading or by row name.
SHARE_OF = {
    "Warm (%)": ("Total", "Referrals"),
    "From the desk (%)": ("All", "Intakes"),
    "Became an intake (%)": ("Hand-overs", "All hand-overs"),
}

Interval = tuple[float, float]


def interval(cell: object) -> Interval | None:
    """The true counts a shown cell may stand for; None when it is not a count."""
    text = str(cell if cell is not None else "").strip()
    if text == "<5":
        return (1, SMALL - 1)
    if text == "–":
        return (0, INFINITY)
    try:
        value = int(text.replace(",", ""))
    except ValueError:
        return None
    if value % ROUNDING:
        return (value, value)  # not rounded: exact
    return possible(value)


def pinned(low: float, high: float) -> int | None:
    """The one value in 1–4 that [low, high] allows, if there is exactly one."""
    values = [n for n in range(1, SMALL) if low <= n <= high]
    return values[0] if len(values) == 1 else None


class Tables(HTMLParser):
    """The tables of a dashboard page: {caption: [headings, *rows]}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.caption: str | None = None
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.in_caption = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self.rows, self.caption = [], ""
        elif tag == "caption":
            self.in_caption = True
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self.in_caption = False
        elif tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table" and self.rows is not None:
            self.tables[self.caption.strip()] = self.rows
            self.rows = None

    def handle_data(self, data: str) -> None:
        if self.in_caption:
            self.caption += data
        elif self.cell is not None:
            self.cell.append(data)


def from_page(content: bytes) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(content.decode())
    return parser.tables


def from_csv(content: bytes) -> dict[str, list[list[str]]]:
    tables: dict[str, list[list[str]]] = {}
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    title = None
    for row in rows:
        if not row:
            title = None
        elif title is None:
            title = row[0]
            tables[title] = []
        else:
            tables[title].append(row)
    return tables


def from_xlsx(content: bytes) -> dict[str, list[list[str]]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    tables = {}
    for sheet in workbook.worksheets:
        rows = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        tables[rows[0][0]] = rows[1:]
    return tables


def subtract(total: Interval, parts: list[Interval]) -> Interval:
    low = total[0] - sum(part[1] for part in parts)
    high = total[1] - sum(part[0] for part in parts)
    return low, high


def attack_table(name: str, table: list[list[str]]) -> list[str]:
    """The leaks within one table: totals minus cells, shares times totals."""
    leaks = []
    if not table:
        return leaks
    headings, rows = table[0], table[1:]
    cells = [[interval(cell) for cell in row] for row in rows]
    # A row total minus the other cells of the row.
    for total_name in TOTAL_COLUMNS:
        if total_name not in headings:
            continue
        t = headings.index(total_name)
        for row, values in zip(rows, cells, strict=True):
            counted = [values[c] for c in range(1, t)]
            if any(value is None for value in counted) or values[t] is None:
                continue
            for c in range(1, t):
                if row[c] != "<5":
                    continue
                others = [counted[o - 1] for o in range(1, t) if o != c]
                found = pinned(*subtract(values[t], others))
                if found:
                    leaks.append(f"{name} / {row[0]} / {headings[c]} = {found} (row total)")
    # A total row minus the other rows.
    for r, row in enumerate(rows):
        if row[0] not in TOTAL_ROWS:
            continue
        body = range(r)
        for c in range(1, len(headings)):
            if cells[r][c] is None or any(cells[o][c] is None for o in body):
                continue
            if row[0] == "All hand-overs" and c != 1:
                continue
            for target in body:
                if rows[target][c] != "<5":
                    continue
                others = [cells[o][c] for o in body if o != target]
                found = pinned(*subtract(cells[r][c], others))
                if found:
                    leaks.append(
                        f"{name} / {rows[target][0]} / {headings[c]} = {found} (column total)"
                    )
    # A share times its total: the count under the share.
    half = SHARE_ROUNDING / 2
    for c, heading in enumerate(headings):
        if heading not in SHARE_OF:
            continue
        whole = next((headings.index(h) for h in SHARE_OF[heading] if h in headings), None)
        if whole is None:
            continue
        for row, values in zip(rows, cells, strict=True):
            leaks += share_leak(name, row[0], row[c], values[whole], half)
    names = [row[0] for row in rows]
    for row in rows:
        if row[0] in SHARE_OF and SHARE_OF[row[0]][1] in names:
            whole = cells[names.index(SHARE_OF[row[0]][1])][1]
            leaks += share_leak(name, row[0], row[1], whole, half)
    return leaks


def share_leak(name: str, row: str, percent: str, whole: Interval | None, half: float) -> list[str]:
    try:
        value = float(percent)
    except ValueError:
        return []
    if whole is None or whole[1] == INFINITY:
        return []
    low = max(0.0, value - half) / 100 * whole[0]
    high = min(100.0, value + half) / 100 * whole[1]
    found = pinned(math.ceil(low - 1e-9), math.floor(high + 1e-9))
    return [f"{name} / {row} / {percent}% = {found} (share × total)"] if found else []


def attack_periods(first: dict, second: dict) -> list[str]:
    """The same cell in a period and a period within it: their difference (the count of the
    days in one but not the other) must not pin a count of 1–4."""
    leaks = []
    for name, table in first.items():
        other = second.get(name)
        if not table or not other or table[0] != other[0]:
            continue
        theirs = {row[0]: row for row in other[1:]}
        for row in table[1:]:
            if row[0] not in theirs:
                continue
            for c in range(1, len(row)):
                a, b = interval(row[c]), interval(theirs[row[0]][c])
                if a is None or b is None or INFINITY in (*a, *b):
                    continue
                if table[0][c].endswith("(%)") or row[0].endswith("(%)"):
                    continue  # shares: the attack on them is share × total
                found = pinned(a[0] - b[1], a[1] - b[0])
                if found:
                    leaks.append(f"{name} / {row[0]} / {table[0][c]} = {found} (two periods)")
    return leaks


class AttackerTests(DashboardTestCase):
    """A demo-like library of two branches, a second library in the POI, and small counts
    placed where a careless table would give them away."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        helmond, deurne = cls.branch, cls.second_branch
        cls.neighbour = create_organisation(
            kind=Organisation.Kind.LIBRARY, name="Bibliotheek Oss", slug="oss", parent=cls.poi
        )
        # Week 10: Helmond 3 (one warm), Deurne 3 on Monday and 6 on Tuesday: a period that
        # starts on Tuesday differs from one that starts on Saturday by those 3.
        make_referrals(cls.library, helmond, dt.date(2025, 3, 4), 3, warm=1)
        make_referrals(cls.library, deurne, dt.date(2025, 3, 3), 3, warm=1)
        make_referrals(cls.library, deurne, dt.date(2025, 3, 4), 6, warm=3)
        for day in range(10, 29):
            make_referrals(cls.library, deurne, dt.date(2025, 3, day), 1, warm=day % 2)
        make_referrals(cls.neighbour, None, dt.date(2025, 3, 12), 2)
        make_referrals(cls.neighbour, None, dt.date(2025, 3, 20), 8, warm=2)
        # February: a few more, so that February-and-March minus March is tried too.
        make_referrals(cls.library, helmond, dt.date(2025, 2, 26), 4, warm=2)
        make_referrals(cls.library, deurne, dt.date(2025, 2, 27), 7, warm=1)
        make_referrals(cls.neighbour, None, dt.date(2025, 2, 11), 3)
        # Hand-overs: 3 intakes among 9.
        for n in range(9):
            outcome = Outcome.INTAKE if n < 3 else Outcome.NO_SHOW
            make_handover(cls.library, cls.taalhuis, at(dt.date(2025, 3, 5 + n), 10), outcome)

    PERIODS = (
        {"start": "2025-03-01", "end": "2025-03-31"},
        {"start": "2025-03-04", "end": "2025-03-31"},
        {"start": "2025-03-08", "end": "2025-03-31"},
        {"start": "2025-03-01", "end": "2025-03-24"},
        {"start": "2025-02-01", "end": "2025-03-31"},
        {"start": "2025-02-24", "end": "2025-03-31"},
        {"start": "2025-02-01", "end": "2025-02-28"},
    )

    def views(self, user, url: str, period: dict) -> list[dict]:
        self.login(user)
        seen = []
        for export, parse in (("", from_page), ("csv", from_csv), ("xlsx", from_xlsx)):
            response = self.client.get(url, {**period, "format": export})
            assert response.status_code in (200, 302), (url, period, response.status_code)
            if response.status_code == 200:
                seen.append(parse(response.content))
        return seen

    def leaks(self, user, url: str) -> list[str]:
        found: list[str] = []
        per_period = [self.views(user, url, period) for period in self.PERIODS]
        for views in per_period:
            for tables in views:
                for name, table in tables.items():
                    found += attack_table(name, table)
        for (wide, first), (narrow, second) in permutations(
            zip(self.PERIODS, per_period, strict=True), 2
        ):
            if wide["start"] <= narrow["start"] and narrow["end"] <= wide["end"]:
                for a, b in zip(first, second, strict=True):
                    found += attack_periods(a, b)
        return sorted(set(found))

    def test_the_manager_recovers_no_small_count(self) -> None:
        assert self.leaks(self.manager, self.library_url()) == []

    def test_the_adviser_recovers_no_small_count(self) -> None:
        assert self.leaks(self.adviser, self.poi_url()) == []

    def test_the_national_editor_recovers_no_small_count(self) -> None:
        assert self.leaks(self.editor, reverse("insights:national")) == []

    def test_the_attacker_has_something_to_attack(self) -> None:
        self.login(self.manager)
        page = self.client.get(self.library_url(), self.PERIODS[0]).content
        weekly = from_page(page)["L3: referrals per week"]
        assert weekly[0][:4] == ["Week", "Deurne", "Helmond", "Total"]
        assert sum(row.count("<5") for table in from_page(page).values() for row in table) >= 3


def test_the_attacker_finds_what_the_tables_gave_away_before() -> None:
    """A week as Balie showed it before the rounding: exact counts and shares."""
    before = [
        ["Week", "Deurne", "Helmond", "Total", "Warm (%)"],
        ["week 10", "9", "<5", "12", "33"],
    ]
    assert attack_table("L3", before) == [
        "L3 / week 10 / Helmond = 3 (row total)",
        "L3 / week 10 / 33% = 4 (share × total)",
    ]
    march, from_tuesday = (
        [before[0], ["week 10", "9", "0", "9", "–"]],
        [before[0], ["week 10", "6", "0", "6", "–"]],
    )
    assert "L3 / week 10 / Deurne = 3 (two periods)" in attack_periods(
        {"L3": march}, {"L3": from_tuesday}
    )
