from django import template
from django.utils.safestring import SafeString

from balie.lib import markdown as md
from balie.lib.durations import minutes as _minutes

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    return md.render(text)


@register.filter
def minutes(seconds: int | None) -> str:
    return _minutes(seconds or 0)
