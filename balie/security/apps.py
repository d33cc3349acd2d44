from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "balie.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from balie.security import audit, idle, sso, verification  # noqa: F401 - the login signals

        audit.audit_management_site()
