from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from balie.lib.forms import WIDGET_CLASSES
from balie.orgs.models import Organisation
from balie.personas.models import Persona, offer_kind_choices


class PersonaForm(forms.ModelForm):
    """A library's own persona. The library is chosen only when the person keeps several."""

    offer_kinds = forms.MultipleChoiceField(
        label=_("Offers that fit"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The desk sees this persona beside offers of these kinds."),
        error_messages={"invalid_choice": _("Choose offers from the list.")},
    )
    library = forms.ModelChoiceField(
        label=_("Library"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a library you keep persona's for.")},
    )

    class Meta:
        model = Persona
        fields = [
            "library",
            "name",
            "age",
            "kind",
            "tagline",
            "story",
            "signals",
            "what_works",
            "offer_kinds",
            "image",
            "image_alt",
            "is_published",
        ]
        widgets = {
            "story": forms.Textarea(attrs={"rows": 5}),
            "signals": forms.Textarea(attrs={"rows": 4}),
            "what_works": forms.Textarea(attrs={"rows": 4}),
            "image": forms.ClearableFileInput(
                attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
            ),
        }
        error_messages = {
            "name": {"required": _("Give the persona a name.")},
            "kind": {"required": _("Choose whether this is a customer or a staff member.")},
            "age": {"invalid": _("Write the age as a number.")},
        }

    def __init__(self, *args, libraries, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kept = list(libraries)
        self.fields["library"].queryset = libraries
        if self.instance.pk:
            self.fields["library"].initial = self.instance.library_id
        elif len(kept) == 1:
            self.fields["library"].initial = kept[0].pk
        if len(kept) == 1:
            self.fields["library"].widget = forms.HiddenInput()
        self.fields["offer_kinds"].choices = offer_kind_choices()
        self.fields["age"].widget.attrs.update(min=0, max=120)
        for field in self.fields.values():
            for widget_class, css in WIDGET_CLASSES.items():
                if isinstance(field.widget, widget_class):
                    field.widget.attrs.setdefault("class", css)
                    break
