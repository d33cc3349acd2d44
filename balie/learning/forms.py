from django import forms
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from balie.learning.models import MAX_VISIT_SECONDS, Choice, Step
from balie.lib.forms import StyledForm
from balie.orgs.models import Membership, Organisation, User

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


MAX_LOCAL_TEXT_LENGTH = 20_000


def colleague_description(memberships: list[Membership]) -> str:
    """What a colleague does in the library: their specialism, or else their role."""
    return ", ".join(
        str(m.get_specialism_display() if m.specialism else m.get_role_display())
        for m in memberships
    )


class ColleagueField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} – {colleague_description(obj.library_memberships)}"


class LocalBlockForm(StyledForm):
    TEXTS = ("how_we_do_it", "activities", "partners")

    how_we_do_it = forms.CharField(
        label=_("How we do it here"),
        help_text=_("How your library does this in practice: who does what, and where."),
        required=False,
        max_length=MAX_LOCAL_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    activities = forms.CharField(
        label=_("Our activities"),
        help_text=_(
            "Local activities with the day, the time and the place. "
            "For example: Taalcafé, every Wednesday 14:00, Helmond branch."
        ),
        required=False,
        max_length=MAX_LOCAL_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    partners = forms.CharField(
        label=_("Our partners in the social domain"),
        help_text=_("Who you work with, and what a customer can go to them for."),
        required=False,
        max_length=MAX_LOCAL_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    colleagues = ColleagueField(
        label=_("Colleagues to approach"),
        help_text=_("Only people who work in your library can be chosen."),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose only colleagues who work in your library."),
            "invalid_pk_value": _("Choose only colleagues who work in your library."),
        },
    )

    def __init__(self, *args, library: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["colleagues"].widget.attrs["class"] = "utrecht-checkbox"
        for name in self.TEXTS:
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_help"
        here = Membership.objects.filter(organisation=library).order_by("role", "specialism")
        self.fields["colleagues"].queryset = (
            User.objects.filter(is_active=True, memberships__organisation=library)
            .distinct()
            .order_by("full_name", "pk")
            .prefetch_related(Prefetch("memberships", queryset=here, to_attr="library_memberships"))
        )

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.TEXTS:
            if name in self._errors:
                self.fields[name].widget.attrs["aria-describedby"] += f" id_{name}_error"

    def clean(self) -> dict:
        data = super().clean()
        texts = [data.get(name, "") for name in self.TEXTS]
        if not any(text.strip() for text in texts if text):
            raise forms.ValidationError(
                _("Write at least one part: how you do it, your activities or your partners."),
                code="empty",
            )
        return data
