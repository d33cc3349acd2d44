from __future__ import annotations

import csv
import io

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from balie.cohorts.actions import ImportRow
from balie.cohorts.models import AttendanceStatus, Cohort, Meeting, OutcomeKind
from balie.learning.models import Module, Programme
from balie.lib.forms import StyledForm
from balie.orgs.models import Organisation, Role, User

MAX_CSV_BYTES = 200_000
MAX_CSV_ROWS = 500
MAX_MATERIAL_BYTES = 20 * 1024 * 1024


class LibraryChoiceForm(StyledForm):
    library = forms.ModelChoiceField(label=_("Library"), queryset=Organisation.objects.none())

    def __init__(self, *args, libraries, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries


class CohortForm(StyledForm):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    name = forms.CharField(label=_("Name of the cohort"), max_length=120)
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    adviser = forms.ModelChoiceField(label=_("POI adviser"), queryset=User.objects.none())
    manager = forms.ModelChoiceField(
        label=_("Manager"), queryset=User.objects.none(), required=False
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pick from the library's people. You can also import a CSV file later."),
    )

    def __init__(self, *args, library: Organisation, programmes, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.library = library
        self.fields["programme"].queryset = programmes
        people = User.objects.filter(memberships__organisation=library).distinct()
        self.fields["participants"].queryset = people.filter(
            memberships__organisation=library, memberships__role=Role.LEARNER
        ).distinct()
        self.fields["manager"].queryset = people.filter(memberships__role=Role.MANAGER)
        self.fields["adviser"].queryset = User.objects.filter(
            memberships__role=Role.ADVISER, memberships__organisation_id=library.parent_id
        ).distinct()


class ParticipantImportForm(forms.Form):
    """A CSV file with the columns name, e-mail and (optional) branch. Every row is checked
    first; the file is taken in whole or not at all."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: name, e-mail, branch (the branch may be empty). "
            "The first row holds the column names."
        ),
    )

    def __init__(self, *args, cohort: Cohort, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.rows: list[ImportRow] = []
        self.row_errors: list[str] = []

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise ValidationError(_("The file is too large: at most 200 kB."))
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                raise ValidationError(_("This is not a text (CSV) file.")) from None
        try:
            dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        records = list(csv.reader(io.StringIO(text), dialect))
        if len(records) < 2:
            raise ValidationError(_("The file has no rows below the column names."))
        if len(records) > MAX_CSV_ROWS + 1:
            raise ValidationError(_("The file has more than 500 rows."))
        branches = {b.name.lower(): b for b in self.cohort.library.children.all()}
        branches.update({b.place.lower(): b for b in self.cohort.library.children.all() if b.place})
        seen: set[str] = set()
        for number, record in enumerate(records[1:], start=2):
            self.check_row(number, record, branches, seen)
        if self.row_errors:
            raise ValidationError(_("Nothing was imported. Correct these rows and try again."))
        return upload

    def check_row(self, number: int, record: list[str], branches: dict, seen: set[str]) -> None:
        cells = [cell.strip() for cell in record] + ["", "", ""]
        name, email, branch_name = cells[:3]
        if not any(cells):
            return
        problems = []
        if not name:
            problems.append(gettext("the name is missing"))
        try:
            validate_email(email)
        except ValidationError:
            problems.append(gettext("“%(email)s” is not an e-mail address") % {"email": email})
        email = email.lower()
        if email in seen:
            problems.append(gettext("this e-mail address is in the file twice"))
        seen.add(email)
        branch = branches.get(branch_name.lower()) if branch_name else None
        if branch_name and branch is None:
            problems.append(
                gettext("“%(branch)s” is not a branch of this library") % {"branch": branch_name}
            )
        other = (
            User.objects.filter(email=email)
            .exclude(memberships__organisation=self.cohort.library)
            .first()
        )
        if other is not None and other.memberships.exists():
            problems.append(gettext("this person works at another library"))
        if problems:
            self.row_errors.append(
                gettext("Row %(number)d: %(problems)s.")
                % {"number": number, "problems": "; ".join(problems)}
            )
        else:
            self.rows.append(ImportRow(name=name, email=email, branch=branch))


class MeetingForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Organisation.objects.none(), required=False
    )
    room = forms.CharField(label=_("Room"), max_length=120, required=False)
    purpose = forms.CharField(
        label=_("What this meeting is for"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    preparation = forms.ModelMultipleChoiceField(
        label=_("Modules to finish first"),
        queryset=Module.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, meeting: Meeting, now, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.now = now
        self.fields["branch"].queryset = meeting.cohort.library.children.all()
        self.fields["preparation"].queryset = meeting.cohort.programme.modules.filter(
            is_published=True
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and starts != self.meeting.starts_at and starts < self.now:
            self.add_error("starts_at", _("This moment has passed. Choose a date in the future."))
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        if ends and not starts:
            self.add_error("starts_at", _("Give the start too."))
        return data


class AgendaItemForm(StyledForm):
    title = forms.CharField(label=_("Topic"), max_length=200)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=480, initial=15)
    presenter = forms.ModelChoiceField(
        label=_("Presenter"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, library: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = User.objects.filter(
            memberships__organisation=library
        ).distinct()
        self.fields["presenter"].error_messages["invalid_choice"] = _(
            "Choose a presenter from this library."
        )


class OutcomeForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=OutcomeKind.choices)
    text = forms.CharField(
        label=_("Text"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MaterialForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(label=_("Web address"), required=False, assume_scheme="https")
    file = forms.FileField(
        label=_("Or a file"),
        required=False,
        validators=[
            FileExtensionValidator(["pdf", "docx", "pptx", "xlsx", "odt", "odp", "png", "jpg"])
        ],
        help_text=_("PDF, Word, PowerPoint, Excel or a picture; at most 20 MB."),
    )

    def clean(self):
        data = super().clean()
        if not data.get("url") and not data.get("file"):
            raise ValidationError(_("Give a web address or upload a file."))
        upload = data.get("file")
        if upload and upload.size > MAX_MATERIAL_BYTES:
            self.add_error("file", _("The file is too large: at most 20 MB."))
        return data


class AttendanceForm(forms.Form):
    person = forms.IntegerField()
    status = forms.ChoiceField(choices=AttendanceStatus.choices)
    revision = forms.IntegerField(min_value=1, max_value=2**53)
