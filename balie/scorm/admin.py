from django.contrib import admin
from django.http import HttpRequest

from balie.scorm.models import Package


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    """Packages are uploaded through the editor page, which checks them. Here an editor sees
    them and sets the two things that are a choice: when a package that never reports back
    counts as finished, and which other websites a package may load from (the content
    policy, balie/scorm/content.py), beside the ones it names."""

    list_display = ["title", "step", "version", "finish_rule", "file_count", "size", "uploaded_at"]
    list_select_related = ["step"]
    fields = [
        "title",
        "step",
        "version",
        "edition",
        "finish_rule",
        "finish_minutes",
        "external_hosts",
        "allowed_hosts",
        "size",
        "file_count",
        "organisation",
        "uploaded_at",
        "uploaded_by",
    ]
    readonly_fields = [
        name
        for name in fields
        if isinstance(name, str) and name not in ("finish_rule", "finish_minutes", "allowed_hosts")
    ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.may_edit_programmes

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    has_change_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
