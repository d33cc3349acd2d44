"""The answer first: the four answers that open every dashboard, the one-page report for the
board and the exports carry the same answers, per role and within the dashboards' query budget."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse

from balie.desk.models import Outcome
from balie.insights.models import Kind, Wave
from balie.insights.tests.test_dashboards import (
    FIRST_MEETING,
    LAST_MEETING,
    YEAR,
    BehaviourTests,
    DashboardTestCase,
    QueryBudgetTests,
    at,
    csv_table,
    make_cohort,
    make_handover,
    make_responses,
    read_csv,
    read_xlsx,
)
from balie.orgs.actions import create_organisation
from balie.orgs.models import Organisation, Role
from balie.testing import make_person

HEADLINE = "Since the training the desk refers about"


class AnswerTests(DashboardTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_cohort(cls.library, cls.adviser, cls.programme, [FIRST_MEETING, LAST_MEETING])
        cls.other_manager = make_person(
            "els@hilversum.test", "Els de Wit", cls.other_library, Role.MANAGER
        )
        make_responses(cls.library, 6, kind=Kind.MODULE, module=cls.module, rating=4)
        make_responses(cls.library, 5, kind=Kind.SELF, wave=Wave.START, knows_colleagues=2)
        make_responses(
            cls.library,
            5,
            kind=Kind.SELF,
            wave=Wave.SIX,
            knows_colleagues=4,
            submitted_on=dt.date(2025, 11, 12),
        )
        for week in range(10):
            make_handover(
                cls.library,
                cls.taalhuis,
                at(dt.date(2025, 9, 1) + dt.timedelta(weeks=week), 10),
                Outcome.INTAKE if week < 5 else Outcome.NO_SHOW,
            )

    def desks(self) -> None:
        BehaviourTests.desks(self)

    tally = BehaviourTests.tally
    weeks_between = BehaviourTests.weeks_between

    def report_url(self, library: Organisation | None = None) -> str:
        return reverse("insights:library_report", args=[(library or self.library).pk])

    def test_the_report_per_role(self) -> None:
        urls = {
            self.report_url(): {
                self.manager: 200,
                self.adviser: 200,
                self.editor: 200,
                self.other_manager: 404,
                self.other_adviser: 404,
                self.alice: 404,
                self.taalhuis: 404,
                self.outsider: 404,
            },
            reverse("insights:poi_report", args=[self.poi.pk]): {
                self.adviser: 200,
                self.editor: 200,
                self.manager: 404,
                self.other_adviser: 404,
                self.alice: 404,
            },
            reverse("insights:national_report"): {
                self.editor: 200,
                self.adviser: 404,
                self.manager: 404,
                self.other_manager: 404,
            },
        }
        for url, expected in urls.items():
            found = {}
            for user in expected:
                self.login(user)
                found[user] = self.client.get(url, YEAR).status_code
            assert found == expected, url
        self.login(self.other_manager)
        assert self.client.get(self.report_url(self.other_library), YEAR).status_code == 200

    def test_the_library_dashboard_opens_with_the_four_answers(self) -> None:
        self.desks()
        self.login(self.manager)
        response = self.client.get(self.library_url(), YEAR)
        answers = response.context["answers"]
        assert [summary.level for summary in answers] == [1, 2, 3, 4]
        reaction, learning, behaviour, results = answers
        assert reaction.figure == "4.0 of 5"
        assert learning.figure == "2.0 → 4.0"
        assert behaviour.answer.startswith(HEADLINE)
        assert behaviour.figure.startswith("+") and behaviour.figure.endswith("a week")
        assert results.figure == "50%"
        html = response.content.decode()
        # The answers come before the filter and the details of the levels.
        assert html.index("data-answers") < html.index("balie-filter") < html.index("data-level")
        assert html.index(HEADLINE) < html.index('data-level="1"')
        for level in (1, 2, 3, 4):
            assert f'href="#level-{level}"' in html and f'id="level-{level}"' in html
        assert "<abbr title=" in html and "What do these words mean?" in html
        # The referrals per week: the total of the branches, not a line per branch.
        assert [s["label"] for s in response.context["total_chart"].series][0] == "All referrals"
        assert 'data-chart="chart-steps"' in html

    def test_the_report_holds_the_answers_method_and_privacy(self) -> None:
        self.desks()
        self.login(self.manager)
        response = self.client.get(self.report_url(), YEAR)
        assert response.status_code == 200
        self.assertTemplateUsed(response, "insights/report.html")
        html = response.content.decode()
        assert html.count("data-answer=") == 4
        assert HEADLINE in html
        assert "balie/print.css" in html and "data-print" in html
        assert 'data-chart="chart-steps"' in html
        assert "How Balie knows" in html
        assert "never of one colleague" in html and "No customer data" in html

    def test_in_dutch(self) -> None:
        self.desks()
        self.login(self.manager)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
        for url in (self.library_url(), self.report_url()):
            response = self.client.get(url, YEAR)
            self.assertContains(response, "Sinds de training verwijst de balie ongeveer")
            self.assertContains(response, "per week")
        self.assertContains(response, "Alleen cijfers van het team als geheel")

    def test_the_exports_open_with_the_answers(self) -> None:
        self.desks()
        self.login(self.manager)
        rows = read_csv(self.client.get(self.library_url(), {**YEAR, "format": "csv"}))
        answers = csv_table(rows, "The answers per level")
        assert [row[0] for row in answers] == [
            "L1 Reaction",
            "L2 Learning",
            "L3 Behaviour",
            "L4 Results",
        ]
        assert answers[2][2].startswith(HEADLINE)
        sheets = read_xlsx(self.client.get(self.library_url(), {**YEAR, "format": "xlsx"}))
        assert next(iter(sheets)) == "The answers per level"
        assert sheets["The answers per level"][4][2].startswith(HEADLINE)

    def test_a_suppressed_figure_stays_suppressed_in_the_answers(self) -> None:
        make_responses(self.other_library, 4, kind=Kind.MODULE, module=self.module, rating=5)
        make_handover(self.other_library, self.taalhuis, at(dt.date(2025, 9, 1)), Outcome.INTAKE)
        self.login(self.other_manager)
        response = self.client.get(reverse("insights:library", args=[self.other_library.pk]), YEAR)
        reaction, _learning, _behaviour, results = response.context["answers"]
        assert reaction.figure == "–" and "Too few answers" in reaction.answer
        assert results.answer.startswith("<5 warm hand-overs")
        assert results.figure == "–"

    def test_the_poi_and_the_country_open_with_answers_too(self) -> None:
        self.desks()
        create_organisation(
            kind=Organisation.Kind.LIBRARY, name="Deurne", slug="deurne", parent=self.poi
        )
        self.login(self.adviser)
        response = self.client.get(self.poi_url(), YEAR)
        behaviour = response.context["answers"][2]
        assert behaviour.figure == "1 of 2"
        assert behaviour.answer == (
            "In 1 of the 2 libraries the desk clearly refers more people since the training."
        )
        assert behaviour.certainty.startswith("The other libraries")
        assert b"data-answers" in response.content
        self.login(self.editor)
        response = self.client.get(reverse("insights:national"), YEAR)
        assert [s.level for s in response.context["answers"]] == [1, 2, 3, 4]
        referrals = response.context["report"].summary.rows[-1][1]
        assert response.context["answers"][2].figure == str(referrals)
        assert b"data-answers" in response.content
        rows = read_csv(self.client.get(reverse("insights:national"), {**YEAR, "format": "csv"}))
        assert len(csv_table(rows, "The answers per level")) == 4


class ReportBudgetTests(QueryBudgetTests):
    """The report for the board costs what its dashboard costs (the answers are read from the
    figures already counted): QueryBudgetTests' budgets, counted on the report pages. The
    library's report has no "your next step" (the dashboard's learning path): one query fewer."""

    def count(self, user, url: str, budget: int) -> None:
        if "/bibliotheek/" in url:
            budget -= 1
        super().count(user, url + "rapport/", budget)
