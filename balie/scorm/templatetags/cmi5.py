"""The state of a cmi5 course for the learner on the step's page (the learning app's template
includes the scorm app's player and loads this tag; learning imports no scorm)."""

from django import template

from balie.orgs.models import User
from balie.scorm import cmi5
from balie.scorm.models import Package

register = template.Library()


@register.simple_tag
def cmi5_course(package: Package, user: User) -> cmi5.CourseStatus:
    return cmi5.course_status(user, package)
