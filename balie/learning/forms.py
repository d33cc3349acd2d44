from django import forms
from django.utils.translation import gettext_lazy as _

from balie.learning.models import MAX_VISIT_SECONDS, Choice, Step
from balie.lib.forms import StyledForm

MAX_NOTE_LENGTH = 20_000
MAX_REVISION = 2**53  # what a browser's Number holds exactly


class HeartbeatForm(forms.Form):
    token = forms.CharField(max_length=400)
    active_seconds = forms.IntegerField(min_value=0, max_value=MAX_VISIT_SECONDS)


class NoteForm(StyledForm):
    body = forms.CharField(
        label=_("My notes"),
        required=False,
        strip=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    revision = forms.IntegerField(min_value=1, max_value=MAX_REVISION)


class AnswerForm(StyledForm):
    choice = forms.ModelChoiceField(
        label=_("Your answer"),
        queryset=Choice.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose an answer."),
            "invalid_choice": _("Choose one of the answers shown."),
        },
    )

    def __init__(self, *args, step: Step, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choice"].queryset = step.choices.all()


class NoteSearchForm(StyledForm):
    q = forms.CharField(label=_("Search my notes"), required=False, max_length=100)
