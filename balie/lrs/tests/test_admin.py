"""The admin: an administrator makes a client and sees its secret once; statements can be
looked at, never changed."""

from __future__ import annotations

import re

from balie.lrs.http import hash_secret
from balie.lrs.models import Client, Statement
from balie.lrs.tests.test_statements import statement
from balie.lrs.tests.xapi import XapiTestCase, basic_auth
from balie.orgs.models import User


class AdminTests(XapiTestCase):
    def setUp(self):
        admin = User.objects.create_superuser(email="admin@spn.test", password="x" * 20)
        self.client.force_login(admin)

    def test_adding_a_client_shows_its_secret_once_and_keeps_only_the_hash(self):
        form = {"organisation": self.library.pk, "name": "Authoring tool"}
        form |= {"may_read": "on", "is_active": "on"}
        response = self.client.post("/beheer/lrs/client/add/", form, follow=True)
        made = Client.objects.get(name="Authoring tool")
        shown = [str(m) for m in response.context["messages"]]
        message = next(m for m in shown if made.key in m)
        secrets = [t for t in re.findall(r"[\w-]{40,}", message) if t != made.key]
        self.assertEqual(len(secrets), 1)  # the key and the secret, in whatever language
        secret = secrets[0]
        self.assertEqual(made.secret_hash, hash_secret(secret))
        again = self.client.get(f"/beheer/lrs/client/{made.pk}/change/").content.decode()
        self.assertIn(made.key, again)
        self.assertNotIn(secret, again)
        works = self.xapi_get("statements", auth=basic_auth(made.key, secret))
        self.assertEqual(works.status_code, 200)

    def test_changing_a_client_keeps_its_secret(self):
        before = self.lrs_client.secret_hash
        response = self.client.post(
            f"/beheer/lrs/client/{self.lrs_client.pk}/change/",
            {"organisation": self.library.pk, "name": "Renamed", "is_active": "on"},
        )
        self.assertEqual(response.status_code, 302)
        self.lrs_client.refresh_from_db()
        self.assertEqual((self.lrs_client.name, self.lrs_client.secret_hash), ("Renamed", before))
        self.assertFalse(self.lrs_client.may_write)

    def test_statements_are_listed_read_only(self):
        sent = statement()
        self.xapi_post("statements", sent)
        row = Statement.objects.get(statement_id=sent["id"])
        self.assertContains(self.client.get("/beheer/lrs/statement/"), sent["id"])
        self.assertEqual(self.client.get("/beheer/lrs/statement/add/").status_code, 403)
        delete = self.client.post(f"/beheer/lrs/statement/{row.pk}/delete/", {"post": "yes"})
        self.assertEqual(delete.status_code, 403)
        self.assertTrue(Statement.objects.filter(pk=row.pk).exists())

    def test_forwarders_are_listed(self):
        self.assertEqual(self.client.get("/beheer/lrs/forwarder/").status_code, 200)
