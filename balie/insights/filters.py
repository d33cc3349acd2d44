"""The filter above every dashboard: a period (from/to, by default the last 12 months), a
branch on a library's dashboard, and the format (the page, CSV or XLSX).

A period runs in whole months: its start moves to the first of its month and its end to the
last day of its month (or today, if that comes first). Two periods then differ by at least a
month, never by the few days in which one person's referral falls (docs/privacy.md, "Small
counts"). Dates before 2000 or after 2100 are refused (a 400 with a message), never a server
error."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balie.lib.forms import StyledForm
from balie.orgs.models import Organisation

# Longer periods make pages nobody reads and queries nobody needs.
MAX_DAYS = 5 * 366
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @classmethod
    def last_twelve_months(cls, today: dt.date | None = None) -> Period:
        """The month of `today` and the eleven before it."""
        end = today or timezone.localdate()
        month = end.month - 11
        return cls(dt.date(end.year + (month - 1) // 12, (month - 1) % 12 + 1, 1), end)

    def in_whole_months(self) -> Period:
        """From the first of the start's month to the last day of the end's month."""
        following = (self.end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return Period(self.start.replace(day=1), following - dt.timedelta(days=1))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PeriodForm(StyledForm):
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
        help_text=_("Figures cover whole months: from the first of this month."),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
        help_text=_("Up to the last day of this month."),
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All branches"),
    )
    format = forms.ChoiceField(
        choices=[("", "html"), ("csv", "CSV"), ("xlsx", "XLSX")],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, data, *, branches: QuerySet[Organisation] | None = None) -> None:
        data = data.copy()
        if not data.get("start") and not data.get("end"):
            default = Period.last_twelve_months()
            data["start"], data["end"] = default.start.isoformat(), default.end.isoformat()
        super().__init__(data)
        if branches is None:
            del self.fields["branch"]
        else:
            self.fields["branch"].queryset = branches

    def clean(self) -> dict:
        data = super().clean()
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, _("Choose a date between 2000 and 2100."))
        if self.errors:
            return data
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or Period.last_twelve_months(end).start
        if start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most five years."))
        period = Period(start, end).in_whole_months()
        # Not into the future: the weeks to come would count as weeks without referrals.
        data["period"] = period = Period(period.start, min(period.end, max(end, today)))
        # The fields show the period as counted.
        self.data["start"], self.data["end"] = period.start.isoformat(), period.end.isoformat()
        return data

    @property
    def period(self) -> Period:
        return self.cleaned_data["period"]
