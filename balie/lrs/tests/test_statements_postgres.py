"""What only PostgreSQL can show: two connections storing the same statement at the same
moment, and the trigger that refuses to change a stored statement."""

from __future__ import annotations

import unittest
from functools import partial

from django.db import DatabaseError, connection, transaction
from django.test import Client as HttpClient
from django.test import TransactionTestCase

from balie.lrs.models import Statement
from balie.lrs.tests.test_statements import statement
from balie.lrs.tests.xapi import XapiTestCase, make_client
from balie.orgs.actions import create_organisation
from balie.orgs.models import Organisation
from balie.testing import at_once

ON_POSTGRESQL = connection.vendor == "postgresql"


@unittest.skipUnless(ON_POSTGRESQL, "needs two real connections to PostgreSQL")
class ConcurrentPostTests(TransactionTestCase):
    def setUp(self):
        national = create_organisation(kind=Organisation.Kind.NATIONAL, name="SPN", slug="spn")
        _, self.auth = make_client(national)

    def post_at_once(self, bodies: list[dict]) -> list[int]:
        def post(body: dict) -> int:
            response = HttpClient().post(
                "/xapi/statements",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=self.auth,
                HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
            )
            return response.status_code

        return sorted(at_once([partial(post, body) for body in bodies]))

    def test_the_same_statement_twice_at_once_gives_one_row(self):
        for _ in range(5):
            sent = statement()
            self.assertEqual(self.post_at_once([sent, sent]), [200, 200])
            self.assertEqual(Statement.objects.filter(statement_id=sent["id"]).count(), 1)

    def test_other_content_under_the_same_id_at_once_gives_one_409(self):
        sent = statement()
        other = {**sent, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}}
        self.assertEqual(self.post_at_once([sent, other]), [200, 409])
        self.assertEqual(Statement.objects.filter(statement_id=sent["id"]).count(), 1)


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
