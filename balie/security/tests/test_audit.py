"""The audit log: management-site changes and downloads are recorded; an event is never changed
or deleted (in Balie, and on PostgreSQL by a trigger), except that its actor can be forgotten."""

from __future__ import annotations

import unittest

from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.urls import reverse

from balie.orgs.models import Role, Topic
from balie.security.audit import events_of, forget_actor, record_event
from balie.security.models import AuditAction, AuditEvent
from balie.security.tests.test_two_factor import TwoFactorTestCase, code
from balie.testing import make_person


class ManagementSiteEventTests(TwoFactorTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.administrator = make_person("ad@spn.test", "Ad Min", self.national, Role.ADMIN)
        self.turn_on_for(self.administrator)
        self.log_in_with_password(self.administrator)
        self.send_code(code(0))

    def test_an_addition_and_a_change_are_recorded_without_the_text(self) -> None:
        response = self.client.post(
            reverse("admin:orgs_topic_add"),
            {"name": "Geheime naam", "slug": "geheim", "keywords": "", "position": 1},
        )
        self.assertEqual(response.status_code, 302)
        topic = Topic.objects.get(slug="geheim")
        self.client.post(
            reverse("admin:orgs_topic_change", args=[topic.pk]),
            {"name": "Andere naam", "slug": "geheim", "keywords": "", "position": 2},
        )
        events = list(AuditEvent.objects.order_by("pk").filter(object_type="orgs.topic"))
        self.assertEqual(
            [(e.action, e.object_id) for e in events],
            [(AuditAction.ADMIN_ADD, str(topic.pk)), (AuditAction.ADMIN_CHANGE, str(topic.pk))],
        )
        self.assertEqual(events[0].actor, self.administrator)
        self.assertEqual(events[0].actor_role, Role.ADMIN)
        self.assertEqual(events[0].ip, "127.0.0.1")
        self.assertNotIn("Geheime", str(events[0].details))

    def test_a_deletion_of_many_at_once_is_recorded_for_each(self) -> None:
        topics = [Topic.objects.create(name=f"T{i}", slug=f"t{i}") for i in range(2)]
        response = self.client.post(
            reverse("admin:orgs_topic_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [t.pk for t in topics],
                "post": "yes",
            },
        )
        self.assertEqual(response.status_code, 302)
        deleted = AuditEvent.objects.filter(action=AuditAction.ADMIN_DELETE)
        self.assertEqual(
            sorted(deleted.values_list("object_id", flat=True)), sorted(str(t.pk) for t in topics)
        )

    def test_administrators_read_the_log_and_nobody_edits_it(self) -> None:
        event = record_event(AuditAction.BACKUP, details={"file": "x.dump"})
        changelist = self.client.get(reverse("admin:security_auditevent_changelist"))
        self.assertContains(changelist, "back-up van de database")
        filtered = self.client.get(
            reverse("admin:security_auditevent_changelist"), {"action": AuditAction.BACKUP}
        )
        self.assertEqual(filtered.status_code, 200)
        self.assertEqual(self.client.get(reverse("admin:security_auditevent_add")).status_code, 403)
        delete = reverse("admin:security_auditevent_delete", args=[event.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        change = reverse("admin:security_auditevent_change", args=[event.pk])
        self.client.post(change, {"action": AuditAction.EXPORT})
        event.refresh_from_db()
        self.assertEqual(event.action, AuditAction.BACKUP)


class DownloadEventTests(TwoFactorTestCase):
    def test_an_insights_export_is_recorded_with_its_filter(self) -> None:
        self.login(self.manager)
        url = reverse("insights:library", args=[self.library.pk])
        response = self.client.get(url, {"format": "csv", "start": "2025-01-01"})
        self.assertEqual(response.status_code, 200)
        event = AuditEvent.objects.get(action=AuditAction.EXPORT)
        self.assertEqual(event.actor, self.manager)
        self.assertEqual(event.object_type, "insights:library")
        self.assertEqual(event.organisation_id, self.library.pk)
        self.assertEqual(event.details["format"], "csv")
        self.assertEqual(event.details["start"], "2025-01-01")

    def test_the_notes_export_is_recorded_and_a_page_is_not(self) -> None:
        self.login(self.alice)
        self.client.get(reverse("learning:notes"))
        self.assertFalse(AuditEvent.objects.exists())
        self.client.get(reverse("learning:notes_export"))
        event = AuditEvent.objects.get()
        self.assertEqual((event.actor, event.object_type), (self.alice, "learning:notes_export"))


class AppendOnlyTests(TwoFactorTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.event = record_event(AuditAction.EXPORT, actor=self.manager, obj=self.library)

    def test_balie_has_no_way_to_change_or_delete_an_event(self) -> None:
        self.event.details = {"changed": True}
        with self.assertRaises(PermissionError):
            self.event.save()
        with self.assertRaises(PermissionError):
            self.event.delete()
        with self.assertRaises(PermissionError):
            AuditEvent.objects.filter(pk=self.event.pk).update(action=AuditAction.BACKUP)
        with self.assertRaises(PermissionError):
            AuditEvent.objects.all().delete()

    def test_an_erasure_forgets_the_actor_and_keeps_the_event(self) -> None:
        self.assertEqual(len(events_of(self.manager)), 1)
        self.assertEqual(forget_actor(self.manager), 1)
        self.event.refresh_from_db()
        self.assertIsNone(self.event.actor)
        self.assertEqual(self.event.object_type, "orgs.organisation")

    def test_deleting_a_person_keeps_their_events(self) -> None:
        self.manager.delete()
        self.event.refresh_from_db()
        self.assertIsNone(self.event.actor)


@unittest.skipUnless(connection.vendor == "postgresql", "the trigger is PostgreSQL's")
class TriggerTests(TwoFactorTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.event = record_event(AuditAction.EXPORT, actor=self.manager, obj=self.library)

    def run_sql(self, sql: str) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [self.event.pk])

    def test_it_refuses_updates_and_deletes(self) -> None:
        for sql in (
            "UPDATE security_auditevent SET action = 'backup' WHERE id = %s",
            "UPDATE security_auditevent SET actor_id = NULL, object_id = '9' WHERE id = %s",
            "DELETE FROM security_auditevent WHERE id = %s",
        ):
            with self.subTest(sql=sql), self.assertRaises(IntegrityError):
                self.run_sql(sql)
        self.assertTrue(AuditEvent.objects.filter(pk=self.event.pk, actor=self.manager).exists())

    def test_it_allows_forgetting_the_actor(self) -> None:
        self.run_sql("UPDATE security_auditevent SET actor_id = NULL WHERE id = %s")
        self.event.refresh_from_db()
        self.assertIsNone(self.event.actor)


class LoginEventTests(TwoFactorTestCase):
    @override_settings(AXES_FAILURE_LIMIT=2)
    def test_a_lockout_is_recorded_against_the_account(self) -> None:
        for _ in range(2):
            self.client.post(
                reverse("login"), {"username": self.alice.email, "password": "wrong-password-1"}
            )
        event = AuditEvent.objects.get(action=AuditAction.LOGIN_LOCKED_OUT)
        self.assertIsNone(event.actor)
        self.assertEqual((event.object_type, event.object_id), ("orgs.user", str(self.alice.pk)))
