from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "balie.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from balie.security import audit, sso, verification  # noqa: F401 - connect the signals

        audit.audit_management_site()
