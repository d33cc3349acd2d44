"""What only PostgreSQL can show: two connections storing the same statement at the same
moment, a lone statement stored without a transaction, and the trigger that refuses to change
a stored statement."""

from __future__ import annotations

import unittest
from functools import partial

from django.db import DatabaseError, connection, transaction
from django.test import Client as HttpClient
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext

from balie.lrs.models import Activity, Statement, StatementAgent
from balie.lrs.tests.test_statements import MODULE, statement
from balie.lrs.tests.xapi import XapiTestCase, make_client
from balie.orgs.actions import create_organisation
from balie.orgs.models import Organisation
from balie.testing import at_once

ON_POSTGRESQL = connection.vendor == "postgresql"


@unittest.skipUnless(ON_POSTGRESQL, "needs two real connections to PostgreSQL")
class ConcurrentPostTests(TransactionTestCase):
    def setUp(self):
        self.national = create_organisation(kind=Organisation.Kind.NATIONAL, name="SPN", slug="spn")
        _, self.auth = make_client(self.national)

    def post_at_once(self, bodies: list[dict], auths: list[str] | None = None) -> list[int]:
        def post(body: dict, auth: str) -> int:
            response = HttpClient().post(
                "/xapi/statements",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=auth,
                HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
            )
            return response.status_code

        auths = auths or [self.auth] * len(bodies)
        return sorted(
            at_once([partial(post, body, auth) for body, auth in zip(bodies, auths, strict=True)])
        )

    def test_the_same_statement_twice_at_once_gives_one_row(self):
        for _ in range(5):
            sent = statement()
            self.assertEqual(self.post_at_once([sent, sent]), [200, 200])
            self.assertEqual(Statement.objects.filter(statement_id=sent["id"]).count(), 1)

    def test_communication_2_1_2_two_organisations_storing_one_id_at_once_both_succeed(self):
        poi = create_organisation(
            kind=Organisation.Kind.POI, name="POI", slug="poi", parent=self.national
        )
        _, other = make_client(poi)
        sent = statement()
        other_content = {**sent, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}}
        statuses = self.post_at_once([sent, other_content], [self.auth, other])
        self.assertEqual(statuses, [200, 200])
        self.assertEqual(Statement.objects.filter(statement_id=sent["id"]).count(), 2)

    def test_other_content_under_the_same_id_at_once_gives_one_409(self):
        sent = statement()
        other = {**sent, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}}
        self.assertEqual(self.post_at_once([sent, other]), [200, 409])
        self.assertEqual(Statement.objects.filter(statement_id=sent["id"]).count(), 1)


@unittest.skipUnless(ON_POSTGRESQL, "one SQL statement for the rows is PostgreSQL's")
class LoneStatementTests(TransactionTestCase):
    """A statement POST of one statement is one SQL statement with no transaction around it
    (store._alone); a batch is still one transaction, all or nothing (Communication 2.1.2)."""

    def setUp(self):
        self.national = create_organisation(kind=Organisation.Kind.NATIONAL, name="SPN", slug="spn")
        _, self.auth = make_client(self.national)

    def post(self, body: dict | list) -> tuple[int, list[str]]:
        """The status, and the transaction commands Django sent (BEGIN, COMMIT, ROLLBACK)."""
        with CaptureQueriesContext(connection) as queries:
            response = HttpClient().post(
                "/xapi/statements",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=self.auth,
                HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
            )
        commands = [q["sql"] for q in queries if q["sql"] in ("BEGIN", "COMMIT", "ROLLBACK")]
        return response.status_code, commands

    def test_one_statement_without_a_transaction_a_batch_in_one(self):
        self.post(statement())  # the client is marked as used, outside the store
        alone = statement()
        self.assertEqual(self.post(alone), (200, []))
        row = Statement.objects.get(statement_id=alone["id"])
        # The actor (direct and related) and the authority: its index rows came with it.
        self.assertEqual(StatementAgent.objects.filter(statement=row).count(), 3)
        self.assertEqual(self.post([statement(), statement()]), (200, ["BEGIN", "COMMIT"]))
        self.assertEqual(Statement.objects.count(), 4)

    def test_the_same_again_is_accepted_other_content_is_a_409(self):
        alone = statement()
        self.assertEqual(self.post(alone)[0], 200)
        self.assertEqual(self.post(alone)[0], 200)
        other = {**alone, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}}
        self.assertEqual(self.post(other)[0], 409)
        self.assertEqual(Statement.objects.filter(statement_id=alone["id"]).count(), 1)
        # In a batch, a conflict stores none of the others.
        fresh = statement()
        self.assertEqual(self.post([fresh, other]), (409, ["BEGIN", "ROLLBACK"]))
        self.assertFalse(Statement.objects.filter(statement_id=fresh["id"]).exists())

    def test_its_definition_is_merged(self):
        def named(name: dict) -> dict:
            return statement(object={"id": MODULE, "definition": {"name": name}})

        self.assertEqual(self.post(named({"nl-NL": "Voorlezen"}))[0], 200)
        self.assertEqual(self.post(named({"en-US": "Storytime"}))[0], 200)
        definition = Activity.objects.get(activity_id=MODULE).definition
        self.assertEqual(definition["name"], {"nl-NL": "Voorlezen", "en-US": "Storytime"})


@unittest.skipUnless(ON_POSTGRESQL, "the trigger is PostgreSQL's")
class NeverChangeTests(XapiTestCase):
    def test_a_raw_update_or_delete_of_a_statement_is_refused(self):
        sent = statement()
        self.xapi_post("statements", sent)
        row = Statement.objects.get(statement_id=sent["id"])
        for sql in (
            "UPDATE lrs_statement SET verb_id = 'x' WHERE id = %s",
            "DELETE FROM lrs_statementagent WHERE statement_id = %s",
            "DELETE FROM lrs_statement WHERE id = %s",
        ):
            with (
                self.subTest(sql),
                self.assertRaises(DatabaseError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [row.pk])
        self.assertEqual(Statement.objects.get(pk=row.pk).verb_id, sent["verb"]["id"])
