"""The evaluations on other apps' pages: "Mijn leertraject" lists a person's open
questionnaires, and the page after a module links to that module's questionnaire. The other
apps load these tags instead of importing `insights`."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from balie.insights import actions
from balie.insights.models import Invitation, Kind
from balie.orgs import access

register = template.Library()

# At most this many open questionnaires on "Mijn leertraject".
SHOWN = 5


@register.filter
def evaluation_title(invitation: Invitation) -> str:
    """The question a questionnaire asks, e.g. 'What did you think of the module “X”?'."""
    if invitation.kind == Kind.MODULE:
        subject = _("the module “%(title)s”") % {"title": invitation.module.title}
    elif invitation.kind == Kind.MEETING:
        subject = _("the team meeting “%(title)s”") % {"title": invitation.meeting.title}
    elif invitation.kind == Kind.STATION:
        subject = _("“%(topic)s” at the knowledge carousel") % {"topic": invitation.station.topic}
    else:
        return _("How are you doing at the desk?")
    return _("What did you think of %(subject)s?") % {"subject": subject}


@register.inclusion_tag("insights/evaluate_mine.html", takes_context=True)
def my_evaluations(context) -> dict:
    """The person's open questionnaires, newest first. One query."""
    user = context["request"].user
    invitations = (
        Invitation.objects.filter(access.owned_by(user), answered_at__isnull=True)
        .select_related("module", "meeting", "station")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    return {"invitations": list(invitations)}


@register.inclusion_tag("insights/evaluate_module_link.html", takes_context=True)
def module_evaluation(context, module) -> dict:
    """After a module: a link to its questionnaire, or a button that makes it now (a POST:
    showing this page changes nothing)."""
    user = context["request"].user
    invitation = Invitation.objects.filter(
        access.owned_by(user), subject_key=actions.subject_key(Kind.MODULE, module.pk)
    ).first()
    return {
        "module": module,
        "invitation": invitation,
        "may_answer": invitation is not None or actions.person_library(user) is not None,
        "csrf_token": context.get("csrf_token"),
    }
