from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LrsConfig(AppConfig):
    name = "balie.lrs"
    label = "lrs"
    verbose_name = _("Learning Record Store (xAPI)")
