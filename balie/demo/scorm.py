"""Demo data: the golf sample course (Rustici Software's public SCORM 1.2 sample, CC BY 3.0
US) as the one step of a small example module in the demo programme, so that a SCORM package
can be tried out in the player. Running it again adds nothing."""

from __future__ import annotations

from pathlib import Path

from balie.learning.models import Module, Programme, StepKind, Theme
from balie.orgs.models import Role, User
from balie.scorm.actions import import_package

PROGRAMME_SLUG = "fo-publieksservice-emb"
EDITOR_EMAIL = "redactie@spn.example"
PACKAGE_FILE = Path(__file__).resolve().parent / "RuntimeBasicCalls_SCORM12.zip"
MODULE_CODE = "V1"
MODULE_TITLE = "Voorbeeld: een e-learning als SCORM-pakket"
MODULE_SUMMARY = (
    "Zo ziet een e-learning uit een auteurspakket eruit in Balie. Het voorbeeld gaat over "
    "golf (Engelstalig). Balie onthoudt waar je bent en ziet wanneer je klaar bent."
)
STEP_TITLE = "Golf uitgelegd (voorbeeldpakket)"


def load_scorm_demo() -> None:
    programme = Programme.objects.filter(slug=PROGRAMME_SLUG).first()
    editor = User.objects.filter(
        email=EDITOR_EMAIL, memberships__role__in=[Role.EDITOR, Role.ADMIN]
    ).first()
    if programme is None or editor is None:
        return
    last = programme.modules.order_by("-position").values_list("position", flat=True).first()
    module, _ = Module.objects.get_or_create(
        programme=programme,
        code=MODULE_CODE,
        defaults={
            "title": MODULE_TITLE,
            "theme": Theme.OTHER,
            "summary": MODULE_SUMMARY,
            "estimated_minutes": 15,
            "position": (last or 0) + 1,
        },
    )
    if module.steps.filter(kind=StepKind.SCORM, scorm_package__isnull=False).exists():
        return
    with PACKAGE_FILE.open("rb") as upload:
        import_package(upload, module=module, by=editor, title=STEP_TITLE)
