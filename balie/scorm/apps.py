from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScormConfig(AppConfig):
    name = "balie.scorm"
    label = "scorm"
    verbose_name = _("SCORM packages")

    def ready(self) -> None:
        from balie.scorm import (
            checks,  # noqa: F401 - registers the deploy check
            cmi5,  # noqa: F401 - connects its receiver of the LRS's signal
        )
