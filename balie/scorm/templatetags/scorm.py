from django import template

from balie.scorm import actions, player
from balie.scorm.models import Package

register = template.Library()


@register.simple_tag(takes_context=True)
def scorm_progress(context, package: Package) -> dict:
    """The learner's items, Previous and Next in `package` (see scorm/player.py)."""
    return player.describe(package, actions.progress_of(context["request"].user, package))
