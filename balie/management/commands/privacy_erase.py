"""Erase one staff member on request (GDPR art. 17): delete what is only theirs and anonymise
the account, in one transaction. Team figures stay right (see docs/privacy.md).

    balie privacy_export alice@example.nl --output alice.json   # first, if they asked for it
    balie privacy_erase alice@example.nl --yes --by "ticket 123, Noor"
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from balie import privacy
from balie.management.commands.privacy_export import find_person, operator


class Command(BaseCommand):
    help = "Delete what Balie holds only on one person and anonymise their account."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The person's e-mail address.")
        parser.add_argument("--yes", action="store_true", help="Really erase; it cannot be undone.")
        parser.add_argument("--by", default="", help="Who asked for it, for the audit log.")

    def handle(self, *args, email: str, yes: bool, by: str, **options) -> None:
        user = find_person(email)
        if user.email.endswith("@" + privacy.ERASED_DOMAIN):
            raise CommandError("This account was erased already.")
        if not yes:
            raise CommandError(
                f"This erases {user.full_name} <{user.email}> for good. Add --yes to do it."
            )
        name, address = user.full_name, user.email
        counts = privacy.erase(user, by=operator(by))
        for key, count in counts.items():
            if count:
                self.stdout.write(f"{key}: {count}")
        self.stdout.write(f"Erased: the account is now {privacy.erased_email(user.pk)}.")
        # Free text that colleagues wrote may still name them: show where, change nothing.
        left = sorted({*privacy.mentions(name), *privacy.mentions(address)})
        if left:
            self.stdout.write("Still named in text others wrote; check and edit these:")
            for label, pk, column in left:
                self.stdout.write(f"  {label} #{pk} {column}")
