from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "balie.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from balie.security import audit  # noqa: F401 - connects the login signals
