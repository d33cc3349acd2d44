from django.contrib import admin

from balie.scorm.models import Package


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    """Read-only: packages are uploaded through the editor page, which checks them."""

    list_display = ["title", "step", "version", "file_count", "uploaded_at"]
    list_select_related = ["step"]
    readonly_fields = [field.name for field in Package._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
