from django.apps import AppConfig


class BalieConfig(AppConfig):
    """The project package is an app too: base templates, static files, the demo command."""

    name = "balie"
    verbose_name = "Balie"
