from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarouselConfig(AppConfig):
    name = "balie.carousel"
    label = "carousel"
    verbose_name = _("Knowledge carousel")
