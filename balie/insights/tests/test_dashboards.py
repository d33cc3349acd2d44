"""The insights dashboards through HTTP: who sees which, suppression under 5 in the page, CSV
and XLSX, formula-safe exports, the before/after estimate, the 25% flag, query budgets and
the empty period."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from balie.cohorts.models import Cohort, Meeting, MeetingKind
from balie.desk.models import (
    HandOver,
    Intake,
    IntakeSource,
    Need,
    Offer,
    OfferKind,
    Outcome,
    Referral,
    Slot,
)
from balie.insights.estimate import Reason
from balie.insights.models import Kind, Response, TimeVerdict, Wave
from balie.learning.models import ModuleProgress
from balie.orgs.actions import create_organisation
from balie.orgs.models import Organisation, Role
from balie.testing import BaseTestCase, make_person

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
YEAR = {"start": "2025-01-01", "end": "2025-12-31"}
FIRST_MEETING = dt.datetime(2025, 5, 6, 19, tzinfo=AMSTERDAM)
LAST_MEETING = dt.datetime(2025, 6, 17, 19, tzinfo=AMSTERDAM)


def at(day: dt.date, hour: int = 11) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=AMSTERDAM)


def make_offer(library: Organisation) -> Offer:
    return Offer.objects.create(library=library, kind=OfferKind.TAALCAFE, name="Taalcafé")


def make_referrals(
    library: Organisation,
    branch: Organisation | None,
    day: dt.date,
    count: int,
    *,
    warm: int = 0,
    offer: Offer | None = None,
) -> None:
    offer = offer or Offer.objects.filter(library=library).first() or make_offer(library)
    Referral.objects.bulk_create(
        Referral(
            library=library,
            branch=branch,
            hour=at(day),
            need=Need.DIGID,
            offer=offer,
            offer_kind=offer.kind,
            warm=n < warm,
        )
        for n in range(count)
    )


def make_responses(library: Organisation, count: int, **fields) -> None:
    fields.setdefault("submitted_on", dt.date(2025, 3, 12))
    Response.objects.bulk_create(Response(library=library, **fields) for _n in range(count))


def make_cohort(library: Organisation, adviser, programme, meetings: list[dt.datetime]) -> Cohort:
    cohort = Cohort.objects.create(
        programme=programme,
        library=library,
        name=f"Pilot {library.name}",
        adviser=adviser,
        starts_on=meetings[0].date() if meetings else dt.date(2025, 5, 1),
    )
    for position, starts_at in enumerate(meetings, start=1):
        Meeting.objects.create(
            cohort=cohort,
            position=position,
            kind=MeetingKind.values[0],
            title=f"Bijeenkomst {position}",
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=2),
        )
    return cohort


def make_handover(
    library: Organisation, colleague, starts_at: dt.datetime, outcome: str
) -> HandOver:
    slot = Slot.objects.create(
        library=library, colleague=colleague, place="Taalhuis", starts_at=starts_at
    )
    handover = HandOver.objects.create(
        library=library,
        slot=slot,
        offer=Offer.objects.filter(library=library).first() or make_offer(library),
        need=Need.LANGUAGE,
        keep_until=starts_at.date() + dt.timedelta(days=30),
        outcome=outcome,
    )
    if outcome == Outcome.INTAKE:
        Intake.objects.create(
            library=library, held_on=starts_at.date(), source=IntakeSource.DESK, handover=handover
        )
    return handover


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def csv_table(rows: list[list[str]], title_prefix: str) -> list[list[str]]:
    """The rows of one table in a CSV export, by the start of its title."""
    start = next(n for n, row in enumerate(rows) if row and row[0].startswith(title_prefix))
    table = []
    for row in rows[start + 2 :]:
        if not row:
            break
        table.append(row)
    return table


class DashboardTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_adviser = make_person(
            "pieter@probiblio.test", "Pieter Smit", cls.other_poi, Role.ADVISER
        )
        cls.second_branch = create_organisation(
            kind=Organisation.Kind.BRANCH, name="Deurne", slug="hp-deurne", parent=cls.library
        )
        cls.offer = make_offer(cls.library)

    def setUp(self) -> None:
        # English: the assertions read the (stable) English msgids.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def library_url(self, library: Organisation | None = None) -> str:
        return reverse("insights:library", args=[(library or self.library).pk])

    def poi_url(self, poi: Organisation | None = None) -> str:
        return reverse("insights:poi", args=[(poi or self.poi).pk])


class AccessTests(DashboardTestCase):
    def status(self, user, url: str) -> int:
        self.login(user)
        return self.client.get(url).status_code

    def test_library_dashboard_per_role(self) -> None:
        url = self.library_url()
        expected = {
            self.manager: 200,
            self.adviser: 200,
            self.editor: 200,
            self.alice: 404,
            self.bob: 404,
            self.taalhuis: 404,
            self.outsider: 404,
            self.other_adviser: 404,
        }
        assert {user: self.status(user, url) for user in expected} == expected

    def test_poi_dashboard_per_role(self) -> None:
        url = self.poi_url()
        expected = {
            self.adviser: 200,
            self.editor: 200,
            self.manager: 404,
            self.alice: 404,
            self.taalhuis: 404,
            self.outsider: 404,
            self.other_adviser: 404,
        }
        assert {user: self.status(user, url) for user in expected} == expected
        assert self.status(self.other_adviser, self.poi_url(self.other_poi)) == 200

    def test_national_dashboard_per_role(self) -> None:
        url = reverse("insights:national")
        expected = {
            self.editor: 200,
            self.adviser: 404,
            self.manager: 404,
            self.alice: 404,
            self.taalhuis: 404,
            self.outsider: 404,
            self.other_adviser: 404,
        }
        assert {user: self.status(user, url) for user in expected} == expected

    def test_a_library_is_not_a_poi_and_a_missing_one_is_404(self) -> None:
        self.login(self.editor)
        assert self.client.get(self.poi_url(self.library)).status_code == 404
        assert self.client.get(self.library_url(self.poi)).status_code == 404
        assert self.client.get(reverse("insights:library", args=[999999])).status_code == 404

    def test_the_other_pois_libraries_are_hidden_from_an_adviser(self) -> None:
        assert self.status(self.adviser, self.library_url(self.other_library)) == 404
        assert self.status(self.other_adviser, self.library_url(self.other_library)) == 200

    def test_index_sends_each_person_to_their_dashboard(self) -> None:
        url = reverse("insights:index")
        self.login(self.manager)
        self.assertRedirects(
            self.client.get(url), self.library_url(), fetch_redirect_response=False
        )
        self.login(self.adviser)
        self.assertRedirects(self.client.get(url), self.poi_url(), fetch_redirect_response=False)
        self.login(self.editor)
        self.assertRedirects(
            self.client.get(url), reverse("insights:national"), fetch_redirect_response=False
        )
        for user in (self.alice, self.taalhuis, self.outsider):
            self.login(user)
            assert self.client.get(url).status_code == 404

    def test_the_menu_shows_insight_to_those_who_may_see_a_dashboard(self) -> None:
        link = f'href="{reverse("insights:index")}"'
        for user, shown in ((self.manager, True), (self.adviser, True), (self.alice, False)):
            self.login(user)
            page = self.client.get(reverse("learning:my_learning")).content.decode()
            assert (link in page) is shown, user


class FilterTests(DashboardTestCase):
    def test_the_default_period_is_the_last_twelve_months(self) -> None:
        self.login(self.manager)
        response = self.client.get(self.library_url())
        assert response.status_code == 200
        period = response.context["report"].scope.period
        # This month so far and the eleven before it, in whole months.
        assert period.start.day == 1 and period.end == timezone.localdate()
        assert 334 <= (period.end - period.start).days <= 365

    def test_bad_dates_give_a_clear_message_and_400(self) -> None:
        self.login(self.manager)
        for query in (
            {"start": "2025-13-01"},
            {"start": "morgen", "end": "2025-12-31"},
            {"start": "2025-12-31", "end": "2025-01-01"},
            {"start": "2015-01-01", "end": "2025-12-31"},
            {**YEAR, "format": "pdf"},
        ):
            response = self.client.get(self.library_url(), query)
            assert response.status_code == 400, query
            assert response.context["form"].errors, query
            assert b"utrecht-form-field-error-message" in response.content or b'role="alert"' in (
                response.content
            )

    def test_dates_outside_2000_to_2100_are_a_400_not_a_500(self) -> None:
        self.login(self.manager)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
        for query in (
            {"start": "0001-01-01", "end": "2025-12-31"},
            {"start": "1999-12-31", "end": "2000-06-30"},
            {"start": "2100-01-01", "end": "9999-12-31"},
            {"end": "9999-12-31"},
        ):
            for export in ("", "csv"):
                response = self.client.get(self.library_url(), {**query, "format": export})
                assert response.status_code == 400, query
                self.assertContains(
                    response, "Kies een datum tussen 2000 en 2100.", status_code=400
                )

    def test_a_period_runs_in_whole_months(self) -> None:
        """Two periods a few days apart give the same figures: no day's count can be had
        by subtracting one from the other."""
        make_referrals(self.library, self.branch, dt.date(2025, 3, 3), 5)
        make_referrals(self.library, self.branch, dt.date(2025, 3, 20), 12)
        self.login(self.manager)
        response = self.client.get(self.library_url(), {"start": "2025-03-04", "end": "2025-03-19"})
        period = response.context["report"].scope.period
        assert (period.start, period.end) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
        self.assertContains(response, 'value="2025-03-01"')
        self.assertContains(response, 'value="2025-03-31"')
        # 17 as a report shows counts (rounded to 5): neither day alone (5, 10), nor none (0).
        assert response.context["report"].counts["referrals"] == 15
        leap = self.client.get(self.library_url(), {"start": "2024-02-10", "end": "2024-02-11"})
        assert leap.context["report"].scope.period.end == dt.date(2024, 2, 29)

    def test_a_branch_of_another_library_is_refused(self) -> None:
        other_branch = create_organisation(
            kind=Organisation.Kind.BRANCH,
            name="Centrum",
            slug="hv-centrum",
            parent=self.other_library,
        )
        self.login(self.manager)
        response = self.client.get(self.library_url(), {**YEAR, "branch": other_branch.pk})
        assert response.status_code == 400

    def test_the_branch_filter_narrows_the_referrals(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 7)
        make_referrals(self.library, self.second_branch, dt.date(2025, 3, 4), 9)
        self.login(self.manager)
        report = self.client.get(self.library_url(), {**YEAR, "branch": self.branch.pk}).context[
            "report"
        ]
        assert report.counts["referrals"] == 5  # 7 as shown; both branches, 16, would be 15
        assert report.weekly.columns[1] == "Helmond"
        assert "Deurne" not in report.weekly.columns


class SuppressionTests(DashboardTestCase):
    """Counts of 1 to 4 are "<5" everywhere; figures from fewer than 5 are not shown."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_referrals(cls.library, cls.branch, dt.date(2025, 3, 4), 3, warm=1)  # week 10
        make_referrals(cls.library, cls.second_branch, dt.date(2025, 3, 4), 6, warm=3)
        make_responses(cls.library, 4, kind=Kind.MODULE, module=cls.module, rating=5)
        for month in (3, 4, 5):
            make_handover(
                cls.library, cls.taalhuis, at(dt.date(2025, month, 10), 10), Outcome.INTAKE
            )

    def week10(self, rows: list[list]) -> list:
        return next(row for row in rows if str(row[0]).startswith(("week 10", "week 10,")))

    def get(self, **extra):
        self.login(self.manager)
        return self.client.get(self.library_url(), {**YEAR, **extra})

    def test_page(self) -> None:
        response = self.get()
        report = response.context["report"]
        assert report.weekly.columns[1:3] == ["Deurne", "Helmond"]
        assert self.week10(report.weekly.rows)[1:4] == [5, "<5", 10]  # 6, 3, 9 rounded
        rating = report.ratings.rows[0]
        assert rating[2:4] == ["<5", "–"]
        html = response.content.decode()
        assert "&lt;5" in html
        assert 'data-chart="chart-weekly"' in html and 'aria-hidden="true"' in html
        # The chart gets a gap where the table says <5.
        weekly = report.weekly_chart.as_json()
        index = next(n for n, label in enumerate(weekly["labels"]) if label.startswith("week 10"))
        assert [series["data"][index] for series in weekly["series"][:2]] == [5, None]
        assert ["All hand-overs", "<5"] in [[str(a), b] for a, b in report.handovers.rows]

    def test_csv(self) -> None:
        response = self.get(format="csv")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment;" in response["Content-Disposition"]
        assert ".csv" in response["Content-Disposition"]
        rows = read_csv(response)
        weekly = csv_table(rows, "L3: referrals per week")
        assert self.week10(weekly)[1:4] == ["5", "<5", "10"]
        assert csv_table(rows, "L1: how")[0][2:4] == ["<5", "–"]
        assert "3" not in self.week10(weekly)

    def test_xlsx(self) -> None:
        response = self.get(format="xlsx")
        assert response.status_code == 200
        assert "spreadsheetml" in response["Content-Type"]
        assert ".xlsx" in response["Content-Disposition"]
        sheets = read_xlsx(response)
        weekly = next(rows for title, rows in sheets.items() if "referrals per week" in title)
        assert self.week10(weekly[2:])[1:4] == (5, "<5", 10)
        handovers = next(rows for title, rows in sheets.items() if "hand-overs" in title)
        assert ("All hand-overs", "<5") in handovers


class ExportSafetyTests(DashboardTestCase):
    def test_a_comment_that_looks_like_a_formula_is_quoted(self) -> None:
        make_responses(self.library, 4, kind=Kind.MODULE, module=self.module, rating=4)
        make_responses(
            self.library,
            1,
            kind=Kind.MODULE,
            module=self.module,
            rating=2,
            comment='=HYPERLINK("https://evil.example","klik")',
        )
        self.login(self.manager)
        rows = read_csv(self.client.get(self.library_url(), {**YEAR, "format": "csv"}))
        assert (
            csv_table(rows, "L1: comments")[0][2] == '\'=HYPERLINK("https://evil.example","klik")'
        )
        sheets = read_xlsx(self.client.get(self.library_url(), {**YEAR, "format": "xlsx"}))
        comments = next(rows for title, rows in sheets.items() if "comments" in title)
        assert comments[2][2].startswith("'=")


class ReactionTests(DashboardTestCase):
    def test_ratings_verdicts_and_comments_without_names_or_days(self) -> None:
        make_responses(
            self.library,
            3,
            kind=Kind.MODULE,
            module=self.module,
            rating=4,
            time_verdict=TimeVerdict.RIGHT,
        )
        make_responses(
            self.library,
            3,
            kind=Kind.MODULE,
            module=self.module,
            rating=3,
            time_verdict=TimeVerdict.TOO_LITTLE,
            comment="Duurde langer dan gedacht.",
            submitted_on=dt.date(2025, 6, 4),
        )
        make_responses(self.other_library, 9, kind=Kind.MODULE, module=self.module, rating=1)
        self.login(self.manager)
        report = self.client.get(self.library_url(), YEAR).context["report"]
        assert report.ratings.rows == [["M1 BoekStart", "after a module", 5, 3.5, "<5", "<5", 0]]
        assert report.comments.rows[0] == [
            "week 23, 2025",
            "M1 BoekStart",
            "Duurde langer dan gedacht.",
        ]
        assert len(report.comments.rows) == 3

    def test_comments_of_a_subject_with_fewer_than_5_answers_stay_hidden(self) -> None:
        make_responses(
            self.library, 4, kind=Kind.MODULE, module=self.module, rating=4, comment="Top"
        )
        self.login(self.manager)
        report = self.client.get(self.library_url(), YEAR).context["report"]
        assert report.comments.rows == []
        assert b"Top" not in self.client.get(self.library_url(), YEAR).content

    def test_a_module_more_than_25_percent_over_is_flagged(self) -> None:
        for number, minutes in enumerate([48, 55, 60, 62, 70]):
            learner = make_person(
                f"leerling{number}@hp.test", f"Leerling {number}", self.library, Role.LEARNER
            )
            ModuleProgress.objects.create(
                user=learner,
                module=self.module,
                started_at=at(dt.date(2025, 2, 1)),
                completed_at=at(dt.date(2025, 2, 3)),
                seconds=minutes * 60,
            )
        # Someone of another library does not count.
        ModuleProgress.objects.create(
            user=self.outsider,
            module=self.module,
            started_at=at(dt.date(2025, 2, 1)),
            completed_at=at(dt.date(2025, 2, 3)),
            seconds=600,
        )
        self.login(self.manager)
        response = self.client.get(self.library_url(), YEAR)
        report = response.context["report"]
        assert report.time.rows == [["M1 BoekStart", 5, 60, "55–62", 40, 60]]
        assert report.overrun == [
            {"title": "M1 BoekStart", "median": 60, "estimated": 40, "suggested": 60}
        ]
        assert b"data-overrun" in response.content

    def test_time_of_fewer_than_5_completions_is_not_shown(self) -> None:
        ModuleProgress.objects.create(
            user=self.alice,
            module=self.module,
            started_at=at(dt.date(2025, 2, 1)),
            completed_at=at(dt.date(2025, 2, 3)),
            seconds=99 * 60,
        )
        self.login(self.manager)
        report = self.client.get(self.library_url(), YEAR).context["report"]
        assert report.time.rows == [["M1 BoekStart", "<5", "–", "–", 40, ""]]
        assert report.overrun == []


class LearningTests(DashboardTestCase):
    def test_self_assessment_per_wave(self) -> None:
        make_responses(
            self.library,
            5,
            kind=Kind.SELF,
            wave=Wave.START,
            knows_colleagues=2,
            recognises_signals=3,
            quiz_right=2,
            quiz_total=4,
        )
        make_responses(
            self.library,
            6,
            kind=Kind.SELF,
            wave=Wave.SIX,
            knows_colleagues=4,
            recognises_signals=4,
            quiz_right=3,
            quiz_total=4,
            submitted_on=dt.date(2025, 11, 3),
        )
        make_responses(self.library, 2, kind=Kind.SELF, wave=Wave.THREE, knows_colleagues=5)
        self.login(self.manager)
        report = self.client.get(self.library_url(), YEAR).context["report"]
        assert report.learning.rows == [
            ["at the start", 5, 2.0, 3.0, 50],
            ["after 3 months", "<5", "–", None, None],
            ["after 6 months", 5, 4.0, 4.0, 80],
        ]
        assert report.learning_chart.series[0]["data"] == [2.0, None, 4.0]


class BehaviourTests(DashboardTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_cohort(cls.library, cls.adviser, cls.programme, [FIRST_MEETING, LAST_MEETING])

    def weeks_between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        days = (last - first).days
        return [first + dt.timedelta(weeks=n) for n in range(days // 7 + 1)]

    def tally(self, library, branch, first: dt.date, last: dt.date, counts, warm=lambda n: 0):
        """Referrals in every week from `first` to `last`: `counts(n)` in the n-th week."""
        for number, week in enumerate(self.weeks_between(first, last)):
            make_referrals(library, branch, week, counts(number), warm=warm(number))

    def desks(self, extra: int = 5) -> None:
        """A year before the first team meeting (6 May 2025) and the rest of 2025: the library
        and Hilversum (not trained, another POI) go up and down alike; after the last team
        meeting (17 June) the library refers `extra` more a week, and more of them warmly."""
        start, first, settled = dt.date(2024, 5, 6), dt.date(2025, 5, 5), dt.date(2025, 6, 23)
        self.tally(self.other_library, None, start, dt.date(2025, 12, 29), lambda n: 6 + n % 3)
        self.tally(self.library, self.branch, start, first, lambda n: 5 + (n % 3 + n % 2) // 2)
        self.tally(
            self.library,
            self.branch,
            settled,
            dt.date(2025, 12, 29),
            lambda n: 5 + extra + n % 3,
            warm=lambda n: 5,
        )

    def test_the_answer_compares_with_a_library_without_training(self) -> None:
        self.desks()
        self.login(self.manager)
        response = self.client.get(self.library_url(), YEAR)
        evidence = response.context["report"].evidence
        answer = evidence.answer
        assert (evidence.comparison, evidence.libraries) == ("country", 1)
        assert answer.start == dt.date(2025, 5, 5)
        assert (answer.weeks_before, answer.weeks_after) == (52, 27)  # to 29 December
        assert answer.answered and answer.clear
        assert 3 < answer.referrals.low < answer.referrals.value < answer.referrals.high < 8
        assert answer.warm_share.clear
        assert answer.parallel
        assert b'data-estimate="yes"' in response.content
        self.assertContains(response, "Since the training the desk refers about")
        self.assertContains(response, "Compared with 1 library in the country without training")
        steps = response.context["report"].steps
        assert steps.rows[0][0] == "-52 to -49"
        weekly = response.context["report"].weekly
        marked = [row for row in weekly.rows if row[-1]]
        assert [row[0] for row in marked] == ["week 19, 2025", "week 25, 2025"]

    def test_in_dutch(self) -> None:
        self.desks()
        self.login(self.manager)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
        response = self.client.get(self.library_url(), YEAR)
        self.assertContains(response, "Sinds de training verwijst de balie ongeveer")
        self.assertContains(response, "mensen per week meer door dan verwacht zonder training")
        self.assertContains(response, "daartussen ligt het echte verschil, met 95% zekerheid")

    def test_a_library_of_the_same_poi_is_the_comparison_when_it_has_as_many_referrals(
        self,
    ) -> None:
        self.desks()
        neighbour = create_organisation(
            kind=Organisation.Kind.LIBRARY,
            name="Bibliotheek Deurne",
            slug="deurne",
            parent=self.poi,
        )
        self.tally(neighbour, None, dt.date(2024, 5, 6), dt.date(2025, 12, 29), lambda n: 12)
        self.login(self.manager)
        evidence = self.client.get(self.library_url(), YEAR).context["report"].evidence
        assert (evidence.comparison, evidence.libraries) == ("poi", 1)

    def test_a_trained_library_is_no_comparison(self) -> None:
        self.desks()
        make_cohort(self.other_library, self.adviser, self.programme, [at(dt.date(2025, 9, 2))])
        self.login(self.manager)
        response = self.client.get(self.library_url(), YEAR)
        assert response.context["report"].evidence.answer.reason == Reason.NO_COMPARISON
        assert b'data-estimate="no"' in response.content
        self.assertContains(response, "There is no library without training to compare with")

    def test_a_library_trained_after_the_period_is_a_comparison_not_yet_trained(self) -> None:
        self.desks()
        make_cohort(self.other_library, self.adviser, self.programme, [at(dt.date(2026, 2, 3))])
        self.login(self.manager)
        evidence = self.client.get(self.library_url(), YEAR).context["report"].evidence
        assert evidence.answer.answered and evidence.libraries == 1

    def test_a_later_cohort_does_not_move_the_start(self) -> None:
        self.desks()
        second = make_cohort(
            self.library,
            self.adviser,
            self.programme,
            [at(dt.date(2025, 11, 4)), at(dt.date(2026, 2, 3))],
        )
        second.name = "Tweede groep"
        second.save()
        self.login(self.manager)
        report = self.client.get(self.library_url(), YEAR).context["report"]
        assert report.evidence.answer.start == dt.date(2025, 5, 5)
        assert report.evidence.answer.weeks_after == 27

    def test_too_few_weeks_before_the_first_meeting_says_why(self) -> None:
        self.tally(
            self.other_library, None, dt.date(2024, 5, 6), dt.date(2025, 12, 29), lambda n: 6
        )
        self.tally(
            self.library, self.branch, dt.date(2025, 4, 7), dt.date(2025, 12, 29), lambda n: 6
        )
        self.login(self.manager)
        response = self.client.get(self.library_url(), YEAR)
        assert response.context["report"].evidence.answer.reason == Reason.FEW_WEEKS_BEFORE
        assert b'data-estimate="no"' in response.content
        self.assertContains(response, "fewer than 8 weeks before the first team meeting")

    def test_too_few_weeks_after_says_in_how_many_weeks(self) -> None:
        self.desks()
        self.login(self.manager)
        response = self.client.get(self.library_url(), {"start": "2025-01-01", "end": "2025-06-30"})
        answer = response.context["report"].evidence.answer
        assert answer.reason == Reason.FEW_WEEKS_AFTER
        assert answer.weeks_after == 1 and answer.weeks_needed >= 2
        assert b'data-estimate="no"' in response.content
        self.assertContains(response, "Too little data yet: in about")

    def test_without_a_team_meeting_there_is_no_since(self) -> None:
        Meeting.objects.all().delete()
        self.login(self.manager)
        response = self.client.get(self.library_url(), YEAR)
        assert response.context["report"].evidence.answer.reason == Reason.NO_TRAINING

    def test_warm_share_per_month(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 10, warm=4)
        make_referrals(self.library, self.branch, dt.date(2025, 4, 8), 2, warm=1)
        self.login(self.manager)
        report = self.client.get(self.library_url(), YEAR).context["report"]
        assert [row[1:] for row in report.warm.rows] == [[10, "<5", "–"], ["<5", "<5", "–"]]

    def test_withdrawn_taps_do_not_count(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 6)
        Referral.objects.filter(library=self.library).update(withdrawn=True)
        self.login(self.manager)
        assert self.client.get(self.library_url(), YEAR).context["report"].counts["referrals"] == 0


class ResultsTests(DashboardTestCase):
    def test_handovers_and_intakes_per_quarter(self) -> None:
        outcomes = [Outcome.INTAKE] * 4 + [Outcome.NO_SHOW, Outcome.PENDING]
        for day, outcome in enumerate(outcomes, start=1):
            make_handover(self.library, self.taalhuis, at(dt.date(2025, 2, day)), outcome)
        Intake.objects.bulk_create(
            Intake(library=self.library, held_on=dt.date(2025, 2, 20), source=IntakeSource.SELF)
            for _n in range(6)
        )
        self.login(self.manager)
        report = self.client.get(self.library_url(), YEAR).context["report"]
        rows = {str(label): value for label, value in report.handovers.rows}
        assert rows["intake held"] == "<5"
        assert rows["All hand-overs"] == 5  # 6 rounded to 5
        assert rows["Became an intake (%)"] == "–"  # of 4 intakes: not shown
        assert report.intakes.rows == [["Q1 2025", "<5", 0, 0, 5, 0, 10, "–"]]


class SideBySideTests(DashboardTestCase):
    def test_poi_shows_its_libraries_one_row_each(self) -> None:
        second = create_organisation(
            kind=Organisation.Kind.LIBRARY,
            name="Bibliotheek Deurne",
            slug="deurne",
            parent=self.poi,
        )
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 12, warm=6)
        make_referrals(second, None, dt.date(2025, 3, 4), 2)
        make_referrals(self.other_library, None, dt.date(2025, 3, 4), 40)
        self.login(self.adviser)
        report = self.client.get(self.poi_url(), YEAR).context["report"]
        assert [row[:3] for row in report.summary.rows] == [
            ["Bibliotheek Deurne", "<5", "–"],
            ["Bibliotheek Helmond-Peel", 10, 50],
            ["Total", 15, 40],
        ]
        assert report.estimates is not None

    def test_the_country_shows_the_pois_and_the_total(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 12)
        make_referrals(self.other_library, None, dt.date(2025, 3, 4), 5)
        self.login(self.editor)
        report = self.client.get(reverse("insights:national"), YEAR).context["report"]
        assert [row[:2] for row in report.summary.rows] == [
            ["Cubiss", 10],
            ["Probiblio", 5],
            ["Total", 15],
        ]


class EmptyPeriodTests(DashboardTestCase):
    def test_an_empty_period_explains_itself(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 12)
        self.login(self.manager)
        response = self.client.get(self.library_url(), {"start": "2020-01-01", "end": "2020-12-31"})
        assert response.status_code == 200
        assert b'data-empty="period"' in response.content
        assert b"data-level" not in response.content

    def test_the_export_of_an_empty_period_is_a_valid_file_with_headings(self) -> None:
        self.login(self.manager)
        query = {"start": "2020-01-01", "end": "2020-12-31"}
        rows = read_csv(self.client.get(self.library_url(), {**query, "format": "csv"}))
        assert rows[0] == ["The answers per level"]
        assert rows[1] == ["Level", "Question", "Answer", "Figure", "How sure"]
        assert csv_table(rows, "L1: how useful") == []
        assert csv_table(rows, "L3: referrals per week") == []
        sheets = read_xlsx(self.client.get(self.library_url(), {**query, "format": "xlsx"}))
        assert len(sheets) >= 8
        answers = sheets.pop("The answers per level")
        assert len(answers) == 2 + 4  # title, headings, one answer per level: "too few"
        assert all(len(rows) == 2 for rows in sheets.values())


class QueryBudgetTests(DashboardTestCase):
    """A bounded number of queries, whatever the number of referrals or libraries."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_cohort(cls.library, cls.adviser, cls.programme, [FIRST_MEETING, LAST_MEETING])
        make_referrals(cls.other_library, None, dt.date(2024, 4, 2), 5)  # a comparison
        make_responses(cls.library, 5, kind=Kind.MODULE, module=cls.module, rating=4, comment="Ja")
        make_responses(cls.library, 5, kind=Kind.SELF, wave=Wave.START, knows_colleagues=3)
        make_handover(cls.library, cls.taalhuis, at(dt.date(2025, 2, 3)), Outcome.INTAKE)
        ModuleProgress.objects.create(
            user=cls.alice,
            module=cls.module,
            started_at=at(dt.date(2025, 2, 1)),
            completed_at=at(dt.date(2025, 2, 3)),
            seconds=2400,
        )

    LIBRARY_BUDGET = 20  # 4 for the evidence: the data version (its cache), the library's weeks,
    # the comparisons and their weeks; 1 for the report cache's version query
    POI_BUDGET = 20  # with the cache's version query (insights.queries.cached_report)
    CACHED_BUDGET = 7  # a library dashboard whose data has not grown since it was counted
    NATIONAL_BUDGET = 13

    def grow(self) -> None:
        for week in range(40):
            make_referrals(
                self.library, self.branch, dt.date(2025, 1, 6) + dt.timedelta(weeks=week), 6, warm=2
            )
            make_referrals(
                self.library, self.second_branch, dt.date(2025, 1, 7) + dt.timedelta(weeks=week), 3
            )
        for number in range(3):
            library = create_organisation(
                kind=Organisation.Kind.LIBRARY,
                name=f"Bieb {number}",
                slug=f"bieb-{number}",
                parent=self.poi,
            )
            make_referrals(library, None, dt.date(2025, 3, 4), 7)
            make_cohort(library, self.adviser, self.programme, [FIRST_MEETING])

    def count(self, user, url: str, budget: int) -> None:
        self.login(user)
        self.client.get(url, YEAR)  # warm the session
        cache.clear()  # the budget of a computed dashboard, not of a cached one
        with self.assertNumQueries(budget):
            assert self.client.get(url, YEAR).status_code == 200

    def test_library_dashboard(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 6)
        self.count(self.manager, self.library_url(), self.LIBRARY_BUDGET)
        self.grow()
        self.count(self.manager, self.library_url(), self.LIBRARY_BUDGET)

    def test_poi_dashboard(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 6)
        self.count(self.adviser, self.poi_url(), self.POI_BUDGET)
        self.grow()
        self.count(self.adviser, self.poi_url(), self.POI_BUDGET)

    def test_national_dashboard(self) -> None:
        make_referrals(self.library, self.branch, dt.date(2025, 3, 4), 6)
        self.count(self.editor, reverse("insights:national"), self.NATIONAL_BUDGET)
        self.grow()
        self.count(self.editor, reverse("insights:national"), self.NATIONAL_BUDGET)

    def test_the_comparison_is_counted_once_until_the_data_grows(self) -> None:
        self.login(self.manager)
        self.client.get(self.library_url(), YEAR)
        with self.assertNumQueries(self.CACHED_BUDGET):
            self.client.get(self.library_url(), YEAR)
        make_referrals(self.other_library, None, dt.date(2025, 3, 4), 1)
        with self.assertNumQueries(self.LIBRARY_BUDGET):
            self.client.get(self.library_url(), YEAR)
        # A new referral of the library's own: counted again, also for its branch filter.
        make_referrals(self.library, self.branch, dt.date(2025, 3, 5), 1)
        with self.assertNumQueries(self.LIBRARY_BUDGET):
            self.client.get(self.library_url(), YEAR)

    def test_exports_have_the_same_budget_at_most(self) -> None:
        self.grow()
        self.login(self.manager)
        self.client.get(self.library_url(), YEAR)
        for export in ("csv", "xlsx"):
            # One query fewer than the page, and one more: the export's audit event.
            cache.clear()  # the comparison's weeks counted again, as for the page
            with self.assertNumQueries(self.LIBRARY_BUDGET):
                self.client.get(self.library_url(), {**YEAR, "format": export})
