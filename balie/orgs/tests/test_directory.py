"""Who does what: the directory of each library, its search, who may read and keep it, and the
printable card for the desk. Pages are in Dutch by default and the Dutch texts come later, so
these tests look at data and status codes, not at interface texts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from balie.demo.directory import TOPICS, load_directory_demo
from balie.orgs.actions import create_organisation, remove_directory_entry, save_directory_entry
from balie.orgs.models import DirectoryEntry, Organisation, Role, Topic, User
from balie.testing import BaseTestCase, make_person

Kind = Organisation.Kind
LIST = "/wie-doet-wat/"
CARD = "/wie-doet-wat/kaart/"
NEW = "/wie-doet-wat/nieuw/"


def make_entry(
    library: Organisation, person: User, role_title: str, topics: list[Topic], **fields
) -> DirectoryEntry:
    fields.setdefault("how_to_reach", "Toestel 200")
    entry = DirectoryEntry(library=library, person=person, role_title=role_title, **fields)
    entry.full_clean()
    entry.save()
    entry.topics.set(topics)
    return entry


def edit_url(entry: DirectoryEntry) -> str:
    return f"/wie-doet-wat/{entry.pk}/wijzigen/"


def remove_url(entry: DirectoryEntry) -> str:
    return f"/wie-doet-wat/{entry.pk}/verwijderen/"


def people(response) -> list[str]:
    return [entry.person.full_name for entry in response.context["page"].object_list]


class DirectoryTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_directory_demo()
        cls.topics = {topic.slug: topic for topic in Topic.objects.all()}
        cls.anouk_entry = make_entry(
            cls.library,
            cls.taalhuis,
            "Taalhuiscoördinator",
            [cls.topics["taalhuis"], cls.topics["taalmaatje"]],
            branch=cls.branch,
            how_to_reach="Toestel 214, of loop langs in de Taalhuisruimte",
            when="di en do, 9–17 uur",
        )
        cls.alice_entry = make_entry(
            cls.library, cls.alice, "BoekStartcoach", [cls.topics["boekstart"]]
        )
        cls.bob_entry = make_entry(
            cls.library,
            cls.bob,
            "Medewerker IDO",
            [cls.topics["ido"]],
            note="Helpt ook bij de **belastingaangifte**.",
        )
        cls.olga_entry = make_entry(
            cls.other_library, cls.outsider, "Medewerker IDO", [cls.topics["ido"]]
        )

    def form_data(self, person: User, **changes) -> dict:
        data = {
            "person": person.pk,
            "role_title": "Manager publieksservice",
            "topics": [self.topics["geld"].pk],
            "branch": "",
            "how_to_reach": "Toestel 200",
            "when": "ma t/m vr",
            "note": "",
        }
        data.update(changes)
        return data


class SearchTests(DirectoryTestCase):
    def found(self, text: str) -> set[str]:
        return {
            entry.person.full_name
            for entry in DirectoryEntry.objects.filter(library=self.library).matching(text)
        }

    def test_a_topic_name_finds_its_people(self) -> None:
        self.assertEqual(self.found("BoekStart"), {"Alice de Vries"})
        self.assertEqual(self.found("taalmaatje"), {"Anouk Martens"})

    def test_plain_words_find_the_topic_through_its_keywords(self) -> None:
        self.assertEqual(self.found("baby"), {"Alice de Vries"})
        self.assertEqual(self.found("consultatiebureau"), {"Alice de Vries"})
        self.assertEqual(self.found("DigiD"), {"Bob Jansen"})
        self.assertEqual(self.found("zorgtoeslag"), {"Bob Jansen"})

    def test_a_phrase_finds_the_topic_that_holds_it(self) -> None:
        self.assertEqual(self.found("lezen en schrijven"), {"Anouk Martens"})
        self.assertEqual(self.found("Lezen en Schrijven"), {"Anouk Martens"})

    def test_every_meaningful_word_must_match_somewhere(self) -> None:
        self.assertEqual(self.found("hulp bij DigiD"), set())  # nobody has "hulp"
        self.assertEqual(self.found("DigiD bij Bob"), {"Bob Jansen"})  # "bij" is ignored
        self.assertEqual(self.found("baby taalcafé"), set())

    def test_name_role_note_and_branch_are_searched_too(self) -> None:
        self.assertEqual(self.found("anouk"), {"Anouk Martens"})
        self.assertEqual(self.found("anouk martens"), {"Anouk Martens"})
        self.assertEqual(self.found("coördinator"), {"Anouk Martens"})
        self.assertEqual(self.found("belastingaangifte"), {"Bob Jansen"})
        self.assertEqual(self.found("Helmond"), {"Anouk Martens"})

    def test_an_empty_search_finds_everyone(self) -> None:
        self.assertEqual(len(self.found("  ")), 3)

    def test_the_search_box_on_the_page(self) -> None:
        self.login(self.bob)
        for text, expected in [
            ("baby", ["Alice de Vries"]),
            ("DigiD", ["Bob Jansen"]),
            ("lezen en schrijven", ["Anouk Martens"]),
            ("Martens", ["Anouk Martens"]),
            ("", ["Alice de Vries", "Anouk Martens", "Bob Jansen"]),
        ]:
            with self.subTest(text=text):
                response = self.client.get(LIST, {"q": text})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(people(response), expected)

    def test_an_overlong_search_shows_everyone_and_says_why(self) -> None:
        self.login(self.bob)
        response = self.client.get(LIST, {"q": "baby " * 30})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(people(response)), 3)
        self.assertIn("q", response.context["form"].errors)

    def test_a_search_with_no_result_shows_the_empty_state(self) -> None:
        self.login(self.bob)
        response = self.client.get(LIST, {"q": "olifant"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(people(response), [])
        self.assertContains(response, "balie-empty")


class ReadingTests(DirectoryTestCase):
    def test_a_learner_reads_their_own_library(self) -> None:
        self.login(self.alice)
        response = self.client.get(LIST)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["library"], self.library)
        self.assertEqual(people(response), ["Alice de Vries", "Anouk Martens", "Bob Jansen"])
        self.assertContains(response, "Toestel 214, of loop langs in de Taalhuisruimte")
        self.assertContains(response, "<strong>belastingaangifte</strong>", html=True)
        self.assertFalse(response.context["may_edit"])
        self.assertNotContains(response, edit_url(self.bob_entry))

    def test_the_outsider_sees_nothing_of_library_a(self) -> None:
        self.login(self.outsider)
        for query in [{}, {"bibliotheek": "helmond-peel"}, {"q": "DigiD"}]:
            with self.subTest(query=query):
                response = self.client.get(LIST, query)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["library"], self.other_library)
                self.assertEqual(people(response), ["Olga Visser"])
                self.assertNotContains(response, "Anouk Martens")
        response = self.client.get(CARD, {"bibliotheek": "helmond-peel"})
        self.assertEqual(response.context["library"], self.other_library)
        self.assertNotContains(response, "Anouk Martens")

    def test_the_adviser_reads_the_libraries_their_poi_serves(self) -> None:
        self.login(self.adviser)
        response = self.client.get(LIST)
        self.assertEqual(response.context["library"], self.library)
        self.assertEqual(response.context["libraries"], [self.library])
        self.assertEqual(len(people(response)), 3)
        self.assertFalse(response.context["may_edit"])
        response = self.client.get(LIST, {"bibliotheek": "hilversum"})
        self.assertEqual(response.context["library"], self.library)

    def test_national_roles_choose_any_library(self) -> None:
        self.login(self.editor)
        response = self.client.get(LIST)
        self.assertEqual(response.context["libraries"], [self.library, self.other_library])
        self.assertContains(response, 'name="bibliotheek"')
        response = self.client.get(LIST, {"bibliotheek": "hilversum"})
        self.assertEqual(people(response), ["Olga Visser"])
        self.assertFalse(response.context["may_edit"])

    def test_someone_without_a_library_gets_an_empty_page(self) -> None:
        nobody = User.objects.create_user("niemand@example.test", "p", full_name="Niemand")
        self.login(nobody)
        response = self.client.get(LIST)
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["library"])
        self.assertEqual(self.client.get(CARD).status_code, 404)

    def test_people_who_left_drop_out_of_the_directory(self) -> None:
        self.bob.memberships.all().delete()
        self.login(self.alice)
        self.assertEqual(people(self.client.get(LIST)), ["Alice de Vries", "Anouk Martens"])

    def test_more_than_fifty_colleagues_are_paged(self) -> None:
        for number in range(50):
            person = make_person(
                f"p{number}@hp.test", f"Zz {number:02}", self.library, Role.LEARNER
            )
            make_entry(self.library, person, "Medewerker", [])
        self.login(self.alice)
        response = self.client.get(LIST)
        self.assertEqual(len(people(response)), 50)
        self.assertEqual(response.context["page"].paginator.num_pages, 2)
        self.assertContains(response, "pagina=2")
        response = self.client.get(LIST, {"pagina": 2})
        self.assertEqual(people(response), ["Zz 47", "Zz 48", "Zz 49"])

    def test_the_anonymous_visitor_is_sent_to_log_in(self) -> None:
        self.assertEqual(self.client.get(LIST).status_code, 302)
        self.assertEqual(self.client.get(CARD).status_code, 302)


class CardTests(DirectoryTestCase):
    def test_the_card_lists_per_topic_who_how_and_when(self) -> None:
        self.login(self.alice)
        response = self.client.get(CARD)
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "orgs/directory_card.html")
        topics = [
            (topic.slug, [e.person.full_name for e in entries])
            for topic, entries in response.context["topics"]
        ]
        self.assertEqual(
            topics,
            [
                ("boekstart", ["Alice de Vries"]),
                ("taalhuis", ["Anouk Martens"]),
                ("taalmaatje", ["Anouk Martens"]),
                ("ido", ["Bob Jansen"]),
            ],
        )
        self.assertContains(response, "di en do, 9–17 uur")
        self.assertContains(response, "orgs/directory_card.css")
        self.assertNotContains(response, "balie-nav")  # no menu on paper

    def test_colleagues_without_a_topic_are_on_the_card_too(self) -> None:
        make_entry(self.library, self.manager, "Manager publieksservice", [])
        self.login(self.alice)
        response = self.client.get(CARD)
        self.assertEqual([e.person for e in response.context["others"]], [self.manager])
        self.assertContains(response, "Manager publieksservice")


class EditingTests(DirectoryTestCase):
    def test_the_manager_adds_a_colleague(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.client.get(NEW).status_code, 200)
        response = self.client.post(
            NEW, self.form_data(self.manager, branch=self.branch.pk, note="Ook voor **klachten**.")
        )
        self.assertRedirects(response, f"{LIST}?bibliotheek=helmond-peel")
        entry = DirectoryEntry.objects.get(library=self.library, person=self.manager)
        self.assertEqual(entry.branch, self.branch)
        self.assertEqual(list(entry.topics.all()), [self.topics["geld"]])
        self.assertTrue(self.client.get(LIST).context["may_edit"])

    def test_the_taalhuis_coordinator_changes_an_entry(self) -> None:
        self.login(self.taalhuis)
        self.assertEqual(self.client.get(edit_url(self.anouk_entry)).status_code, 200)
        response = self.client.post(
            edit_url(self.anouk_entry),
            self.form_data(
                self.taalhuis,
                role_title="Taalhuiscoördinator",
                topics=[self.topics["taalhuis"].pk],
                when="alleen op dinsdag",
            ),
        )
        self.assertEqual(response.status_code, 302)
        self.anouk_entry.refresh_from_db()
        self.assertEqual(self.anouk_entry.when, "alleen op dinsdag")
        self.assertEqual(list(self.anouk_entry.topics.all()), [self.topics["taalhuis"]])

    def test_removing_asks_first(self) -> None:
        self.login(self.manager)
        response = self.client.get(remove_url(self.bob_entry))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Bob Jansen")
        self.assertTrue(DirectoryEntry.objects.filter(pk=self.bob_entry.pk).exists())
        response = self.client.post(remove_url(self.bob_entry))
        self.assertRedirects(response, f"{LIST}?bibliotheek=helmond-peel")
        self.assertFalse(DirectoryEntry.objects.filter(pk=self.bob_entry.pk).exists())
        self.assertTrue(User.objects.filter(pk=self.bob.pk).exists())
        self.assertEqual(self.client.post(remove_url(self.bob_entry)).status_code, 404)

    def test_readers_cannot_edit(self) -> None:
        for reader in [self.alice, self.adviser, self.editor, self.outsider]:
            with self.subTest(reader=reader.full_name):
                self.login(reader)
                self.assertEqual(self.client.get(NEW).status_code, 404)
                self.assertEqual(
                    self.client.post(NEW, self.form_data(self.bob, role_title="X")).status_code,
                    404,
                )
                self.assertEqual(self.client.get(edit_url(self.bob_entry)).status_code, 404)
                response = self.client.post(
                    edit_url(self.bob_entry), self.form_data(self.bob, role_title="Gehackt")
                )
                self.assertEqual(response.status_code, 404)
                self.assertEqual(self.client.get(remove_url(self.bob_entry)).status_code, 404)
                self.assertEqual(self.client.post(remove_url(self.bob_entry)).status_code, 404)
        self.bob_entry.refresh_from_db()
        self.assertEqual(self.bob_entry.role_title, "Medewerker IDO")

    def test_a_manager_cannot_touch_another_librarys_entries(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.client.get(edit_url(self.olga_entry)).status_code, 404)
        self.assertEqual(self.client.post(remove_url(self.olga_entry)).status_code, 404)
        response = self.client.get(NEW, {"bibliotheek": "hilversum"})
        self.assertEqual(response.context["library"], self.library)

    def test_an_invalid_form_keeps_what_was_typed(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            NEW, self.form_data(self.manager, role_title="", how_to_reach="", when="di 9-12 uur")
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.context["form"].errors), {"role_title", "how_to_reach"})
        self.assertContains(response, 'value="di 9-12 uur"', status_code=400)
        self.assertContains(response, "utrecht-form-field-error-message", status_code=400)
        self.assertContains(response, "checked", status_code=400)  # the chosen topic
        self.assertFalse(DirectoryEntry.objects.filter(person=self.manager).exists())

    def test_a_person_from_another_library_is_refused(self) -> None:
        self.login(self.manager)
        response = self.client.post(NEW, self.form_data(self.outsider))
        self.assertEqual(response.status_code, 400)
        self.assertIn("person", response.context["form"].errors)
        self.assertFalse(
            DirectoryEntry.objects.filter(library=self.library, person=self.outsider).exists()
        )
        choices = list(response.context["form"].fields["person"].queryset)
        self.assertNotIn(self.outsider, choices)
        self.assertNotIn(self.adviser, choices)
        self.assertIn(self.bob, choices)

    def test_a_branch_of_another_library_is_refused(self) -> None:
        elsewhere = create_organisation(
            kind=Kind.BRANCH, name="Centrum", slug="hv-centrum", parent=self.other_library
        )
        self.login(self.manager)
        response = self.client.post(NEW, self.form_data(self.manager, branch=elsewhere.pk))
        self.assertEqual(response.status_code, 400)
        self.assertIn("branch", response.context["form"].errors)

    def test_a_colleague_is_listed_once(self) -> None:
        self.login(self.manager)
        response = self.client.post(NEW, self.form_data(self.bob))
        self.assertEqual(response.status_code, 400)
        self.assertIn("person", response.context["form"].errors)
        self.assertEqual(DirectoryEntry.objects.filter(person=self.bob).count(), 1)


class RuleTests(DirectoryTestCase):
    def test_visible_and_editable(self) -> None:
        everyone = set(DirectoryEntry.objects.all())
        a = {self.anouk_entry, self.alice_entry, self.bob_entry}
        for person, visible, editable in [
            (self.alice, a, set()),
            (self.manager, a, a),
            (self.taalhuis, a, a),
            (self.adviser, a, set()),
            (self.outsider, {self.olga_entry}, set()),
            (self.editor, everyone, set()),
        ]:
            with self.subTest(person=person.full_name):
                self.assertEqual(set(DirectoryEntry.objects.visible_to(person)), visible)
                self.assertEqual(set(DirectoryEntry.objects.editable_by(person)), editable)

    def test_the_model_checks_library_person_and_branch(self) -> None:
        with self.assertRaises(ValidationError):
            make_entry(self.branch, self.manager, "Manager", [])
        with self.assertRaises(ValidationError):
            make_entry(self.library, self.outsider, "Buitenstaander", [])
        with self.assertRaises(ValidationError):
            make_entry(self.library, self.manager, "Manager", [], branch=self.library)
        with self.assertRaises(ValidationError):
            make_entry(self.library, self.bob, "Dubbel", [])

    def test_the_actions_check_who_acts_and_are_idempotent(self) -> None:
        fields = {
            "library": self.library,
            "person": self.manager,
            "role_title": "Manager",
            "how_to_reach": "Toestel 200",
        }
        with self.assertRaises(PermissionDenied):
            save_directory_entry(by=self.adviser, **fields)
        save_directory_entry(by=self.manager, **fields)
        save_directory_entry(by=self.manager, **fields, topics=[self.topics["geld"]])
        entry = DirectoryEntry.objects.get(person=self.manager)
        self.assertEqual(list(entry.topics.all()), [self.topics["geld"]])
        with self.assertRaises(PermissionDenied):
            remove_directory_entry(entry, by=self.alice)
        remove_directory_entry(entry, by=self.taalhuis)
        remove_directory_entry(entry, by=self.taalhuis)
        self.assertFalse(DirectoryEntry.objects.filter(person=self.manager).exists())


class QueryBudgetTests(DirectoryTestCase):
    def add_colleagues(self, count: int) -> None:
        for number in range(count):
            person = make_person(
                f"q{number}@hp.test", f"Collega {number}", self.library, Role.LEARNER
            )
            make_entry(
                self.library,
                person,
                "Medewerker",
                [self.topics["ido"], self.topics["digitaal"]],
                branch=self.branch,
            )

    def test_pages_do_not_grow_with_the_number_of_colleagues(self) -> None:
        self.login(self.manager)
        pages = [(LIST, {}), (LIST, {"q": "DigiD"}), (CARD, {})]
        counts = []
        for url, query in pages:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url, query).status_code, 200)
            counts.append(len(queries))
        self.add_colleagues(20)
        for (url, query), count in zip(pages, counts, strict=True):
            with self.subTest(url=url, query=query), self.assertNumQueries(count):
                response = self.client.get(url, query)
            self.assertContains(response, "Collega 19")


class DemoTests(BaseTestCase):
    def test_the_demo_directory_loads_twice_and_skips_who_is_missing(self) -> None:
        hp_anouk = make_person(
            "anouk@helmond-peel.example", "Anouk (demo)", self.library, Role.MANAGER
        )
        self.assertEqual(load_directory_demo(), 1)
        self.assertEqual(load_directory_demo(), 1)
        self.assertEqual(Topic.objects.count(), len(TOPICS))
        entry = DirectoryEntry.objects.get()
        self.assertEqual(entry.person, hp_anouk)
        self.assertIsNone(entry.branch)  # the cast has no branch "helmond-peel-helmond"
        self.assertIn(Topic.objects.get(slug="taalhuis"), entry.topics.all())


class AdminTests(DirectoryTestCase):
    def test_editors_keep_the_topics(self) -> None:
        self.login(self.editor)
        self.assertEqual(self.client.get("/beheer/orgs/topic/").status_code, 200)
        self.assertEqual(self.client.get("/beheer/orgs/topic/add/").status_code, 200)
        self.assertEqual(self.client.get("/beheer/orgs/directoryentry/").status_code, 200)
        self.assertEqual(self.client.get("/beheer/orgs/directoryentry/add/").status_code, 403)

    def test_library_staff_do_not_reach_the_management_site(self) -> None:
        for person in [self.manager, self.taalhuis, self.adviser]:
            with self.subTest(person=person.full_name):
                self.login(person)
                self.assertEqual(self.client.get("/beheer/orgs/topic/").status_code, 302)
