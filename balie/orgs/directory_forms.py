"""Forms of the "wie doet wat" directory: the search box and an entry."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from balie.lib.forms import WIDGET_CLASSES, StyledForm
from balie.orgs.models import DirectoryEntry, Organisation, Topic, User


class DirectorySearchForm(StyledForm):
    q = forms.CharField(
        label=_("Search by topic, word or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _('e.g. "baby" or "DigiD"')}
        ),
    )
    bibliotheek = forms.ChoiceField(label=_("Library"), required=False)

    def __init__(self, *args, libraries: list[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bibliotheek"].choices = [(lib.slug, lib.name) for lib in libraries]


class BranchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.place or obj.name


class DirectoryEntryForm(forms.ModelForm):
    """One colleague in the directory. The colleague and branch can only be chosen from the
    library's own people and branches."""

    class Meta:
        model = DirectoryEntry
        fields = ["person", "role_title", "topics", "branch", "how_to_reach", "when", "note"]
        field_classes = {"branch": BranchChoiceField}
        widgets = {
            "topics": forms.CheckboxSelectMultiple(attrs={"class": "utrecht-checkbox"}),
            "note": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "person": {
                "required": _("Choose the colleague."),
                "invalid_choice": _("Choose a colleague who works at this library."),
            },
            "branch": {"invalid_choice": _("Choose a branch of this library.")},
            "role_title": {"required": _("Write the colleague's role, as the desk knows it.")},
            "how_to_reach": {
                "required": _(
                    "Write how the desk can reach this colleague, e.g. a phone extension or a room."
                )
            },
            "topics": {"invalid_choice": _("Choose topics from the list.")},
        }

    def __init__(self, *args, library: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.library = library
        self.instance.library = library
        self.fields["person"].queryset = (
            User.objects.filter(memberships__organisation=library, is_active=True)
            .distinct()
            .order_by("full_name")
        )
        self.fields["person"].label = _("Colleague")
        self.fields["branch"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.BRANCH, parent=library
        ).order_by("name")
        self.fields["topics"].queryset = Topic.objects.all()
        self.fields["topics"].help_text = _("What may the desk come to this colleague for?")
        for field in self.fields.values():
            for widget_class, css in WIDGET_CLASSES.items():
                if isinstance(field.widget, widget_class):
                    field.widget.attrs.setdefault("class", css)
                    break

    def clean_person(self) -> User:
        person = self.cleaned_data["person"]
        taken = DirectoryEntry.objects.filter(library=self.library, person=person)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("%(name)s is already in the directory. Change their entry instead."),
                params={"name": person.full_name},
            )
        return person
