"""The filter above every dashboard: a period (from/to, by default the last 12 months), a
branch on a library's dashboard, and the format (the page, CSV or XLSX)."""

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


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @classmethod
    def last_twelve_months(cls, today: dt.date | None = None) -> Period:
        end = today or timezone.localdate()
        try:
            start = end.replace(year=end.year - 1)
        except ValueError:  # 29 February
            start = end.replace(year=end.year - 1, day=28)
        return cls(start + dt.timedelta(days=1), end)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PeriodForm(StyledForm):
    start = forms.DateField(
        label=_("From"), required=False, widget=DateInput(), input_formats=["%Y-%m-%d", "%d-%m-%Y"]
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=DateInput(), input_formats=["%Y-%m-%d", "%d-%m-%Y"]
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
        if self.errors:
            return data
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or Period.last_twelve_months(end).start
        if start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most five years."))
        data["period"] = Period(start, end)
        return data

    @property
    def period(self) -> Period:
        return self.cleaned_data["period"]
