"""The statements Balie records per person reach a library's or POI's xAPI client only where
the library recorded its works council's agreement (WOR art. 27(1)(l)), as on a cohort's team
page; a national client reads them as before, and every client reads what its organisations'
own tools stored."""

from __future__ import annotations

from datetime import date

from balie.learning import actions as learning_actions
from balie.lrs import store
from balie.lrs.models import Statement
from balie.lrs.record import balie_agent
from balie.lrs.tests.test_statements import statement
from balie.lrs.tests.xapi import XapiTestCase, make_client


class WorksCouncilTests(XapiTestCase):
    def setUp(self) -> None:
        super().setUp()
        learning_actions.complete_step(self.alice, self.text_step)
        self.recorded = [str(i) for i in Statement.objects.values_list("statement_id", flat=True)]
        self.assertTrue(self.recorded)
        self.own = statement()  # stored by the library's own tool, through its client
        self.assertEqual(self.xapi_post("statements", self.own).status_code, 200)

    def ids(self, auth: str) -> set[str]:
        response = self.xapi_get("statements?limit=0", auth=auth)
        self.assertEqual(response.status_code, 200)
        return {s["id"] for s in response.json()["statements"]}

    def single(self, auth: str) -> int:
        return self.xapi_get(f"statements?statementId={self.recorded[0]}", auth=auth).status_code

    def agree(self) -> None:
        self.library.works_council_agreed_on = date(2026, 6, 1)
        self.library.save(update_fields=["works_council_agreed_on"])

    def test_without_agreement_a_library_and_its_poi_get_only_their_tools_statements(self):
        for organisation in (self.library, self.poi):
            with self.subTest(organisation.kind):
                _, auth = make_client(organisation)
                self.assertEqual(self.ids(auth), {self.own["id"]})
                self.assertEqual(self.single(auth), 404)

    def test_with_agreement_they_get_the_persons_statements_too(self):
        self.agree()
        for organisation in (self.library, self.poi):
            with self.subTest(organisation.kind):
                _, auth = make_client(organisation)
                self.assertEqual(self.ids(auth), {self.own["id"], *self.recorded})
                self.assertEqual(self.single(auth), 200)

    def test_a_client_voids_only_what_it_may_read(self):
        """Data 2.3.2.s2.b4: 403 for a source not authorised to void the statement."""
        voiding = statement(
            verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
            object={"objectType": "StatementRef", "id": self.recorded[0]},
        )
        self.assertEqual(self.xapi_post("statements", voiding).status_code, 403)
        self.agree()
        self.assertEqual(self.xapi_post("statements", voiding).status_code, 200)

    def test_a_branch_follows_its_library(self):
        at_branch = statement()  # recorded by Balie for someone of the branch
        store.store([at_branch], organisation=self.branch, authority=balie_agent())
        _, branch = make_client(self.branch)
        _, library = make_client(self.library)
        self.assertEqual(self.ids(branch), set())
        self.assertNotIn(at_branch["id"], self.ids(library))
        self.agree()
        self.assertEqual(self.ids(branch), {at_branch["id"]})
        self.assertIn(at_branch["id"], self.ids(library))

    def test_a_national_client_reads_everything_as_before(self):
        _, national = make_client(self.national)
        self.assertEqual(self.ids(national), {self.own["id"], *self.recorded})
        self.assertEqual(self.single(national), 200)

    def test_another_library_reads_nothing_of_this_one(self):
        self.agree()
        _, other = make_client(self.other_library)
        self.assertEqual(self.ids(other), set())
        self.assertEqual(self.single(other), 404)
