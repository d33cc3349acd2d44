"""National roles may read the anonymous answers in the management site. Invitations (who
was asked and whether they answered) are not shown here, so that nobody can put the two side
by side."""

from django.contrib import admin
from django.http import HttpRequest

from balie.insights.models import Response
from balie.lib.admin import EditorsOnly, ViewOnly


@admin.register(Response)
class ResponseAdmin(ViewOnly, EditorsOnly, admin.ModelAdmin):
    list_display = ["submitted_on", "library", "kind", "rating", "time_verdict", "wave"]
    list_filter = ["kind", "submitted_on"]
    date_hierarchy = "submitted_on"
    ordering = ["-submitted_on"]
    list_select_related = ["library"]

    def get_queryset(self, request: HttpRequest):
        return Response.objects.visible_to(request.user).select_related("library")
