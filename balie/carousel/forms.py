from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from balie.carousel.models import CarouselEvent, Round, Station
from balie.lib.forms import StyledForm
from balie.orgs.models import Organisation, Topic, User
from balie.personas.models import Persona


class EventForm(StyledForm):
    organiser = forms.ModelChoiceField(
        label=_("Organised by"), queryset=Organisation.objects.none()
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=200)
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=500,
        required=False,
        help_text=_("Leave empty for no limit."),
    )

    def __init__(self, *args, organisers, today, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["organiser"].queryset = organisers

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date < self.today:
            raise forms.ValidationError(_("This date has passed. Choose a date in the future."))
        return date


class StationForm(StyledForm):
    topic = forms.CharField(label=_("Topic"), max_length=200)
    subject = forms.ModelChoiceField(
        label=_("Subject"),
        queryset=Topic.objects.all(),
        required=False,
        help_text=_("Links the station to modules: afterwards, participants get a refresher."),
    )
    host = forms.ModelChoiceField(label=_("Host"), queryset=User.objects.none(), required=False)
    room = forms.CharField(label=_("Room"), max_length=120, required=False)
    capacity = forms.IntegerField(
        label=_("Places per round"), min_value=1, max_value=200, required=False
    )
    personas = forms.ModelMultipleChoiceField(
        label=_("Persona's at this station"),
        queryset=Persona.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, hosts, personas, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = hosts
        self.fields["personas"].queryset = personas


class RoundForm(StyledForm):
    starts_at = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("A round must end after it starts."))
        return data


class BaseRoundFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        rounds = sorted(
            (f.cleaned_data["starts_at"], f.cleaned_data["ends_at"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        )
        for (_start, end), (next_start, _end) in zip(rounds, rounds[1:], strict=False):
            if next_start < end:
                raise forms.ValidationError(_("Rounds overlap. Leave a break between them."))


StationFormSet = formset_factory(
    StationForm, extra=3, can_delete=True, min_num=1, validate_min=True, max_num=12
)
RoundFormSet = formset_factory(
    RoundForm,
    formset=BaseRoundFormSet,
    extra=3,
    can_delete=True,
    min_num=1,
    validate_min=True,
    max_num=12,
)


class SignUpForm(StyledForm):
    free_rounds = forms.ModelMultipleChoiceField(
        label=_("I am free in these rounds"),
        queryset=Round.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one round you are free.")},
    )
    chosen_stations = forms.ModelMultipleChoiceField(
        label=_("I want to visit these stations"),
        queryset=Station.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Choose none to visit them all."),
    )

    def __init__(self, *args, event: CarouselEvent, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["free_rounds"].queryset = event.rounds.all()
        self.fields["chosen_stations"].queryset = event.stations.all()


class SignUpOtherForm(SignUpForm):
    """A manager signs up a member of their staff."""

    person = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none())

    def __init__(self, *args, people, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.order_fields(["person", "free_rounds", "chosen_stations"])


class AttendanceForm(StyledForm):
    """One choice per signed-up person: came, did not come, or not marked yet."""

    CHOICES = [("", _("Not marked")), ("yes", _("Came")), ("no", _("Did not come"))]

    def __init__(self, *args, signups, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.signups = list(signups)
        for signup in self.signups:
            self.fields[f"signup-{signup.pk}"] = forms.ChoiceField(
                label=signup.user.full_name,
                choices=self.CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial={True: "yes", False: "no", None: ""}[signup.present],
            )

    def marks(self) -> dict[int, bool | None]:
        values = {"yes": True, "no": False, "": None}
        return {
            signup.pk: values[self.cleaned_data[f"signup-{signup.pk}"]] for signup in self.signups
        }


class ConfirmScheduleForm(StyledForm):
    proposal = forms.CharField(widget=forms.HiddenInput, max_length=64)
