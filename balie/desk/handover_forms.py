"""Forms of the warm hand-over: free slots, consent and contact, outcome, intakes, settings."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balie.desk.models import IntakeSource, Need, Outcome
from balie.lib.forms import StyledForm
from balie.orgs.models import Organisation, User

PHONE_CHARS = re.compile(r"[\s\-().]")
PHONE = re.compile(r"^\+?\d{9,15}$")


def clean_phone(value: str) -> str:
    """A phone number as people write it: digits with spaces, dashes or brackets, maybe a +."""
    digits = PHONE_CHARS.sub("", value)
    if not PHONE.match(digits):
        raise ValidationError(_("Write a phone number with 10 digits, e.g. 06 12345678."))
    return value.strip()


def clean_contact(value: str) -> str:
    """A phone number or an e-mail address."""
    value = value.strip()
    if not value:
        return ""
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                _("This e-mail address is not right. Check it, e.g. name@example.nl.")
            ) from None
        return value.lower()
    try:
        return clean_phone(value)
    except ValidationError:
        raise ValidationError(
            _("Write a phone number (e.g. 06 12345678) or an e-mail address.")
        ) from None


def is_email(contact: str) -> bool:
    return "@" in contact


class SlotForm(StyledForm):
    colleague = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none())
    date = forms.DateField(
        label=_("Date (the first, for a series)"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(label=_("Minutes"), min_value=10, max_value=240, initial=30)
    place = forms.CharField(
        label=_("Where"),
        max_length=200,
        help_text=_('In plain words, e.g. "the Taalhuis room, 1st floor".'),
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Organisation.objects.none(), required=False
    )
    weeks = forms.IntegerField(
        label=_("For how many weeks"),
        min_value=1,
        max_value=26,
        initial=1,
        help_text=_("1: only this time. More: the same day and time every week."),
    )

    def __init__(self, *args, colleagues, branches, now: dt.datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["colleague"].queryset = colleagues
        self.fields["branch"].queryset = branches
        if len(colleagues) == 1:
            self.fields["colleague"].initial = colleagues[0]

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            start = timezone.make_aware(dt.datetime.combine(data["date"], data["time"]))
            if start <= self.now:
                raise ValidationError(_("This time has passed. Choose a time in the future."))
            data["first"] = start
        return data


class ConsentForm(StyledForm):
    agrees = forms.BooleanField(
        label=_("The customer agrees"),
        required=False,
    )

    def clean_agrees(self):
        if not self.cleaned_data.get("agrees"):
            raise ValidationError(
                _("Tick the box when the customer agrees. Or book without name and contact.")
            )
        return True


class ContactForm(StyledForm):
    first_name = forms.CharField(label=_("First name"), max_length=60, required=False)
    contact = forms.CharField(
        label=_("Phone number or e-mail address"),
        max_length=120,
        required=False,
        help_text=_("How the Taalhuis can reach them. You may leave it empty."),
    )

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_contact(self):
        return clean_contact(self.cleaned_data["contact"])


class NeedForm(StyledForm):
    need = forms.ChoiceField(label=_("What did the customer need?"), choices=Need.choices)


class OutcomeForm(StyledForm):
    outcome = forms.ChoiceField(label=_("What came of it"), choices=Outcome.choices)


class IntakeForm(StyledForm):
    library = forms.ModelChoiceField(label=_("Library"), queryset=Organisation.objects.none())
    held_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    source = forms.ChoiceField(label=_("Came through"), choices=IntakeSource.choices)

    def __init__(self, *args, libraries, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["library"].queryset = libraries
        if len(libraries) == 1:
            self.fields["library"].initial = libraries[0]
            self.fields["library"].widget = forms.HiddenInput()
        self.fields["held_on"].initial = today

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > self.today:
            raise ValidationError(_("This date is in the future. Log an intake once it is held."))
        return held_on


class DeskSettingsForm(StyledForm):
    retention_days = forms.IntegerField(
        label=_("Keep contact data for (days after the appointment)"),
        min_value=1,
        max_value=365,
        error_messages={
            "min_value": _("Choose at least 1 day."),
            "max_value": _("Choose at most 365 days."),
        },
    )
    phone = forms.CharField(
        label=_("The library's phone number"),
        max_length=20,
        required=False,
        help_text=_("Printed on the appointment card. Leave empty to leave it off."),
    )

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return clean_phone(phone) if phone else ""
