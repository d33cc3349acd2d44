"""National roles may read the anonymous answers in the management site. Invitations (who
was asked and whether they answered) are not shown here, so that nobody can put the two side
by side."""

from django.contrib import admin
from django.http import HttpRequest

from balie.insights.models import Response
from balie.lib.admin import ViewOnly


@admin.register(Response)
class ResponseAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["submitted_on", "library", "kind", "rating", "time_verdict", "wave"]
    list_filter = ["kind", "submitted_on"]
    date_hierarchy = "submitted_on"
    ordering = ["-submitted_on"]
    list_select_related = ["library"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.may_edit_programmes

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def get_queryset(self, request: HttpRequest):
        return Response.objects.visible_to(request.user).select_related("library")
