from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BalieConfig(AppConfig):
    """The project package is an app too: base templates, static files, the demo command."""

    default = True
    name = "balie"
    verbose_name = "Balie"


class BalieAdminConfig(admin_apps.AdminConfig):
    """Django's admin app with Balie's management site (balie/admin_site.py) as its site."""

    default = False
    default_site = "balie.admin_site.BalieAdminSite"
