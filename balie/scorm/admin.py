from django.contrib import admin
from django.http import HttpRequest

from balie.scorm.models import Package


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    """Packages are uploaded through the editor page, which checks them; here an editor only
    chooses when a package that never reports back counts as finished."""

    list_display = ["title", "step", "version", "finish_rule", "file_count", "uploaded_at"]
    list_select_related = ["step"]
    fields = ["title", "step", "version", "edition", "finish_rule", "finish_minutes"]
    readonly_fields = ["title", "step", "version", "edition"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.may_edit_programmes

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    has_change_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
