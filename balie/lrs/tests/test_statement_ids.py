"""Statement ids per organisation: each organisation has the id space of an LRS of its own.
A 409, a read or a voiding never tells one organisation that another stored an id, and no
organisation can take an id before another (xAPI 1.0.3 Communication 2.1.2, "Statement ids
conflict" and "the LRS MUST NOT make any modifications to its state"; Communication 2.1.3 for
reads; Data 2.2 "voided statements")."""

from __future__ import annotations

from balie.lrs.models import Statement
from balie.lrs.tests.test_statements import COMPLETED, statement, voiding
from balie.lrs.tests.xapi import XapiTestCase, make_client


class StatementIdTests(XapiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        _, cls.other = make_client(cls.other_library)
        _, cls.poi_auth = make_client(cls.poi)

    def test_communication_2_1_2_an_id_that_another_organisation_stored_is_no_conflict(self):
        theirs = statement()
        ours = {**theirs, "verb": {"id": COMPLETED}}
        self.assertEqual(self.xapi_post("statements", theirs, auth=self.other).status_code, 200)
        self.assertEqual(self.xapi_post("statements", ours).status_code, 200)
        put = self.xapi_put(f"statements?statementId={theirs['id']}", ours)
        self.assertEqual(put.status_code, 204)  # the same content again, in our own space
        self.assertEqual(Statement.objects.filter(statement_id=theirs["id"]).count(), 2)
        mine = self.xapi_get(f"statements?statementId={theirs['id']}").json()
        self.assertEqual(mine["verb"]["id"], COMPLETED)
        other = self.xapi_get(f"statements?statementId={theirs['id']}", auth=self.other).json()
        self.assertEqual(other["verb"], theirs["verb"])

    def test_communication_2_1_2_an_id_taken_first_by_another_organisation_is_still_ours(self):
        taken = statement()
        self.xapi_put(f"statements?statementId={taken['id']}", taken, auth=self.other)
        ours = {**taken, "verb": {"id": COMPLETED}}
        self.assertEqual(
            self.xapi_put(f"statements?statementId={taken['id']}", ours).status_code, 204
        )
        conflict = {**taken, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
        response = self.xapi_put(f"statements?statementId={taken['id']}", conflict)
        self.assertEqual(response.status_code, 409)  # our own id, with other content

    def test_communication_2_1_3_another_organisations_id_is_not_found(self):
        theirs = statement()
        self.xapi_post("statements", theirs, auth=self.other)
        for parameter in ("statementId", "voidedStatementId"):
            with self.subTest(parameter):
                response = self.xapi_get(f"statements?{parameter}={theirs['id']}")
                self.assertEqual(response.status_code, 404)

    def test_data_2_2_voiding_an_id_of_another_organisation_voids_nothing_there(self):
        theirs = statement()
        self.xapi_post("statements", theirs, auth=self.other)
        self.assertEqual(self.xapi_post("statements", voiding(theirs["id"])).status_code, 200)
        response = self.xapi_get(f"statements?statementId={theirs['id']}", auth=self.other)
        self.assertEqual(response.status_code, 200)
        ours = {**theirs, "verb": {"id": COMPLETED}}
        self.assertEqual(self.xapi_post("statements", ours).status_code, 200)

    def test_data_2_2_a_poi_voids_a_statement_of_its_library(self):
        target = statement()
        self.xapi_post("statements", target)
        self.assertEqual(
            self.xapi_post("statements", voiding(target["id"]), auth=self.poi_auth).status_code,
            200,
        )
        self.assertEqual(self.xapi_get(f"statements?statementId={target['id']}").status_code, 404)
        self.assertEqual(
            self.xapi_get(f"statements?voidedStatementId={target['id']}").status_code, 200
        )

    def test_data_2_2_a_voiding_in_one_organisation_hides_nothing_in_another(self):
        shared = statement()
        self.xapi_post("statements", shared)
        self.xapi_post("statements", shared, auth=self.other)
        self.xapi_post("statements", voiding(shared["id"]), auth=self.other)
        self.assertEqual(self.xapi_get(f"statements?statementId={shared['id']}").status_code, 200)
        listed = [s["id"] for s in self.xapi_get("statements").json()["statements"]]
        self.assertEqual(listed, [shared["id"]])
