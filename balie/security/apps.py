from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "balie.security"
    label = "security"
    verbose_name = _("Security")

    def ready(self) -> None:
        from balie.security import audit, idle, sso, verification  # noqa: F401 - the login signals

        audit.audit_management_site()
