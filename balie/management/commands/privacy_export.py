"""Export everything Balie holds on one staff member, as one JSON document (GDPR art. 15/20).

    balie privacy_export alice@example.nl --output alice.json --by "ticket 123, Noor"

The export is logged to the `balie.security` logger: whose data, by whom.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from balie import privacy
from balie.orgs.models import User


def find_person(email: str) -> User:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"Nobody has the e-mail address {email!r}.")
    return user


def operator(by: str) -> str:
    """Who asked for this: the --by text, and the account on this computer that ran it."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = "?"
    return f"{by} (as {account})" if by else account


class Command(BaseCommand):
    help = "Write everything Balie holds on one person to a JSON file (or standard output)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The person's e-mail address.")
        parser.add_argument("--output", type=Path, help="The file to write; default: stdout.")
        parser.add_argument("--by", default="", help="Who asked for it, for the audit log.")

    def handle(self, *args, email: str, output: Path | None, by: str, **options) -> None:
        user = find_person(email)
        if output is not None and output.exists():
            raise CommandError(f"{output} exists; choose a new file name.")
        document = privacy.export_json(user, by=operator(by))
        if output is None:
            self.stdout.write(document)
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        # Readable by its owner only, from the first byte; never over an existing file.
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(document)
        self.stderr.write(f"Written to {output}. It holds personal data: hand it over safely.")
