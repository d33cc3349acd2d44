"""Programme editors set the meetings a programme prescribes; cohorts themselves are run
from Balie's own pages by the POI advisers."""

from django.contrib import admin

from balie.cohorts.models import MeetingTemplate
from balie.lib.admin import EditorsOnly, MarkdownFields


@admin.register(MeetingTemplate)
class MeetingTemplateAdmin(MarkdownFields, EditorsOnly, admin.ModelAdmin):
    markdown_fields = ("purpose",)
    list_display = ["title", "programme", "position", "kind"]
    list_filter = ["programme"]
    filter_horizontal = ["preparation"]
