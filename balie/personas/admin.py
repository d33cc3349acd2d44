"""Programme editors keep the national persona's here. A library's own persona's are its
own: it writes them in Balie itself, so they are not listed here."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from balie.lib.admin import EditorsOnly, MarkdownFields
from balie.personas.models import Persona, offer_kind_choices


class PersonaAdminForm(forms.ModelForm):
    offer_kinds = forms.MultipleChoiceField(
        label=_("Offers that fit"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Persona
        fields = [
            "name",
            "age",
            "kind",
            "tagline",
            "is_published",
            "position",
            "story",
            "signals",
            "what_works",
            "offer_kinds",
            "image",
            "image_alt",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer_kinds"].choices = offer_kind_choices()


@admin.register(Persona)
class PersonaAdmin(MarkdownFields, EditorsOnly, admin.ModelAdmin):
    markdown_fields = ("story", "signals", "what_works")
    form = PersonaAdminForm
    list_display = ["__str__", "kind", "tagline", "is_published", "position"]
    list_filter = ["kind", "is_published"]
    list_editable = ["position"]
    search_fields = ["name", "tagline"]
    fieldsets = [
        (None, {"fields": ["name", "age", "kind", "tagline", "is_published", "position"]}),
        (_("The persona"), {"fields": ["story", "signals", "what_works", "offer_kinds"]}),
        (_("Picture"), {"fields": ["image", "image_alt", "preview"]}),
    ]
    readonly_fields = ["preview"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(library__isnull=True)

    @admin.display(description=_("preview"))
    def preview(self, persona: Persona) -> str:
        if not persona.image:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" width="120" height="120">',
            persona.image.url,
            persona.image_alt,
        )
