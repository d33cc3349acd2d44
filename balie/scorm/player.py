"""The player's view of a learner's progress in a package: the items with whether each
opens (and why not, in the learner's language), Previous and Next, and whether the open
item may be tried again. The same for the page (templatetags/scorm.py) and the JSON of the
start and commit endpoints, so that the list stays right while the learner plays."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from balie.scorm import sequencing
from balie.scorm.actions import Progress
from balie.scorm.models import Package


def reason_text(item: sequencing.Item) -> str:
    match item.reason:
        case sequencing.ORDER:
            return _("Finish “%(title)s” first: this course goes in a fixed order.") % {
                "title": item.reason_title
            }
        case sequencing.PREREQUISITES:
            return _("Finish the parts this one needs first.")
        case sequencing.DISABLED:
            return _("The course does not open this part now.")
        case sequencing.FORWARD_ONLY:
            return _("This course only goes forward: you cannot go back to this part.")
    return ""


def status_text(item: sequencing.Item) -> str:
    if not item.sco:
        return ""
    if item.status.done:
        return _("done")
    if item.status.failed:
        return _("not passed")
    if item.status.attempted:
        return _("started")
    return ""


def _item(package: Package, item: sequencing.Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        # The list's links point at the player's frame; runtime.js opens the item there.
        "url": f"#scorm-{package.pk}",
        "available": item.available,
        "reason": reason_text(item),
        "status": status_text(item),
        "failed": item.status.failed,
    }


def describe(package: Package, progress: Progress) -> dict[str, Any]:
    plan = progress.plan
    return {
        "items": [_item(package, item) for item in plan.items if not item.hidden],
        "current": plan.current.id if plan.current else "",
        "current_failed": bool(plan.current and plan.current.status.failed),
        "previous": _item(package, plan.previous) if plan.previous else None,
        "next": _item(package, plan.next) if plan.next else None,
        "done": progress.done,
    }
