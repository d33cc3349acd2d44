from django.core.exceptions import ValidationError

from balie.orgs.access import organisation_ids_for, organisations_visible_to
from balie.orgs.actions import create_organisation, grant_role
from balie.orgs.models import Membership, Organisation, Role, Specialism
from balie.testing import BaseTestCase

Kind = Organisation.Kind


class OrganisationTests(BaseTestCase):
    def test_each_kind_hangs_under_the_right_kind(self) -> None:
        with self.assertRaises(ValidationError):
            create_organisation(kind=Kind.LIBRARY, name="Los", slug="los")
        with self.assertRaises(ValidationError):
            create_organisation(kind=Kind.BRANCH, name="Fout", slug="fout", parent=self.poi)
        with self.assertRaises(ValidationError):
            create_organisation(kind=Kind.LIBRARY, name="Fout", slug="fout2", parent=self.library)
        with self.assertRaises(ValidationError):
            create_organisation(kind=Kind.NATIONAL, name="KB", slug="kb", parent=self.national)


class RoleTests(BaseTestCase):
    def test_a_role_belongs_to_its_kind_of_organisation(self) -> None:
        with self.assertRaises(ValidationError):
            grant_role(self.bob, organisation=self.poi, role=Role.LEARNER)
        with self.assertRaises(ValidationError):
            grant_role(self.bob, organisation=self.library, role=Role.ADVISER)
        with self.assertRaises(ValidationError):
            grant_role(self.bob, organisation=self.library, role=Role.SPECIALIST)
        with self.assertRaises(ValidationError):
            grant_role(
                self.bob,
                organisation=self.library,
                role=Role.LEARNER,
                specialism=Specialism.READING_CONSULTANT,
            )
        with self.assertRaises(ValidationError):
            grant_role(
                self.outsider,
                organisation=self.other_library,
                role=Role.LEARNER,
                branch=self.branch,
            )

    def test_granting_twice_changes_nothing(self) -> None:
        grant_role(self.bob, organisation=self.library, role=Role.LEARNER)
        self.assertEqual(Membership.objects.filter(user=self.bob).count(), 1)

    def test_editors_may_use_the_management_site(self) -> None:
        self.assertTrue(self.editor.is_staff)
        self.assertTrue(self.editor.may_edit_programmes)
        self.assertFalse(self.manager.is_staff)
        self.assertFalse(self.manager.may_edit_programmes)


class AccessTests(BaseTestCase):
    def test_each_role_sees_its_own_organisations(self) -> None:
        self.assertEqual(organisation_ids_for(self.alice), {self.library.pk, self.branch.pk})
        self.assertEqual(
            organisation_ids_for(self.adviser), {self.poi.pk, self.library.pk, self.branch.pk}
        )
        self.assertEqual(organisation_ids_for(self.outsider), {self.other_library.pk})
        self.assertEqual(
            organisations_visible_to(self.editor).count(), Organisation.objects.count()
        )
