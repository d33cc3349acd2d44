"""The short questionnaires: after a module, a meeting or a carousel station, and the
self-assessment.

Only the invited person opens their questionnaire; for anyone else it does not exist (404).
No page shows who answered what: the answers are stored without the person."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from balie.insights import actions
from balie.insights.forms import ModuleForm, RatingForm, SelfAssessmentForm
from balie.insights.models import Invitation, Kind
from balie.learning.models import Module, ModuleProgress
from balie.lib.forms import StyledForm
from balie.orgs import access
from balie.orgs.models import User


class OwnInvitations(QuerySet):
    """A person's invitations are their own: nobody else's role reaches them."""

    def visible_to(self, user: User) -> OwnInvitations:
        return self.filter(access.owned_by(user))


def own_invitations() -> OwnInvitations:
    return OwnInvitations(model=Invitation).select_related(
        "user",
        "module",
        "meeting__cohort__library",
        "cohort__library",
        "station__event__organiser",
    )


def _form(invitation: Invitation, data=None) -> StyledForm:
    if invitation.kind == Kind.MODULE:
        return ModuleForm(data, module=invitation.module)
    if invitation.kind == Kind.SELF:
        offers, needs = actions.quiz_needs(invitation.cohort.library)
        return SelfAssessmentForm(data, offers=offers, needs=needs)
    return RatingForm(data)


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="30/m", method="POST")
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = access.get_for(request.user, own_invitations(), pk)
    if invitation.answered_at is not None:
        return _answered(request, invitation, status=409 if request.method == "POST" else 200)
    form = _form(invitation, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.answer(invitation, form.cleaned_data)
            except actions.AlreadyAnswered:
                return _answered(request, invitation, status=409)
            messages.success(request, _("Thank you! Your answers are saved, without your name."))
            return redirect("insights:evaluate", pk=invitation.pk)
        return render(
            request,
            "insights/evaluate_form.html",
            {"invitation": invitation, "form": form, "nav": "learning"},
            status=400,
        )
    return render(
        request,
        "insights/evaluate_form.html",
        {"invitation": invitation, "form": form, "nav": "learning"},
    )


def _answered(request: HttpRequest, invitation: Invitation, *, status: int) -> HttpResponse:
    return render(
        request,
        "insights/evaluate_done.html",
        {"invitation": invitation, "nav": "learning"},
        status=status,
    )


@require_POST
@ratelimit(key="user_or_ip", rate="30/m", method="POST")
def evaluate_module(request: HttpRequest, pk: int) -> HttpResponse:
    """Right after finishing a module: make its questionnaire now (instead of at the next
    hourly run) and open it."""
    module = access.get_for(request.user, Module.objects, pk)
    done = (
        ModuleProgress.objects.visible_to(request.user)
        .filter(module=module, completed_at__isnull=False)
        .exists()
    )
    if not done or actions.person_library(request.user) is None:
        raise Http404
    invitation = actions.invite_for_module(request.user, module)
    return redirect("insights:evaluate", pk=invitation.pk)
