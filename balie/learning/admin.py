"""Programme editors author programmes, modules and steps here. Learners' own data (progress,
time, notes) is deliberately not registered: it is nobody else's to read. Libraries' local
blocks are shown read-only: the libraries own that text and write it in Balie itself."""

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from balie.learning.models import Choice, LocalBlock, Module, Programme, Step
from balie.lib.admin import EditorsOnly, MarkdownFields, ViewOnly, markdown_shown
from balie.lib.durations import minutes


class ModuleInline(EditorsOnly, admin.TabularInline):
    model = Module
    extra = 0
    fields = ["position", "code", "title", "theme", "estimated_minutes", "is_published"]
    show_change_link = True


@admin.register(Programme)
class ProgrammeAdmin(MarkdownFields, EditorsOnly, admin.ModelAdmin):
    markdown_fields = ("summary",)
    list_display = ["title", "is_published"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ModuleInline]


class StepInline(EditorsOnly, admin.TabularInline):
    model = Step
    extra = 0
    fields = ["position", "kind", "title", "computed"]
    readonly_fields = ["computed"]
    show_change_link = True

    @admin.display(description=_("computed time"))
    def computed(self, step: Step) -> str:
        return minutes(step.computed_seconds()) if step.pk else "—"


@admin.register(Module)
class ModuleAdmin(MarkdownFields, EditorsOnly, admin.ModelAdmin):
    markdown_fields = ("summary",)
    list_display = [
        "__str__",
        "theme",
        "estimated_minutes",
        "computed_estimate",
        "is_published",
    ]
    list_filter = ["programme", "theme", "is_published"]
    search_fields = ["title", "code"]
    fields = [
        "programme",
        "position",
        "code",
        "title",
        "theme",
        "summary",
        "topics",
        "estimated_minutes",
        "computed_estimate",
        "learners_see",
        "is_published",
    ]
    filter_horizontal = ["topics"]
    readonly_fields = ["computed_estimate", "learners_see"]
    inlines = [StepInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(
        description=_(
            "estimate computed from the content (reading, videos and time to think; "
            "not the websites and articles it links to)"
        )
    )
    def computed_estimate(self, module: Module) -> str:
        if not module.pk:
            return "—"
        return minutes(module.computed_seconds(list(module.steps.all())))

    @admin.display(description=_("learners see"))
    def learners_see(self, module: Module) -> str:
        if not module.pk:
            return _("The larger of the estimated minutes and the computed estimate.")
        which = (
            _("your estimate")
            if module.estimated_minutes >= module.computed_minutes()
            else _("the computed estimate, because it is larger than yours")
        )
        return _("%(minutes)s minutes: %(which)s. Learners see one estimate, the larger one.") % {
            "minutes": module.learner_minutes,
            "which": which,
        }


class ChoiceInline(MarkdownFields, EditorsOnly, admin.TabularInline):
    markdown_fields = ("feedback",)
    model = Choice
    extra = 0
    fields = ["position", "text", "is_correct", "feedback"]


@admin.register(Step)
class StepAdmin(MarkdownFields, EditorsOnly, admin.ModelAdmin):
    markdown_fields = ("body", "transcript", "link_why")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "module", "kind", "position"]
    list_filter = ["kind", "module__programme", "module"]
    search_fields = ["title", "body"]
    fieldsets = [
        (None, {"fields": ["module", "position", "kind", "title", "body", "persona"]}),
        (
            _("Video"),
            {
                "fields": [
                    "video_url",
                    "video_file",
                    "video_seconds",
                    "captions_file",
                    "transcript",
                ],
                "classes": ["collapse"],
            },
        ),
        (_("Link"), {"fields": ["link_url", "link_why"], "classes": ["collapse"]}),
        (_("Article"), {"fields": ["article_url", "article_file"], "classes": ["collapse"]}),
    ]
    inlines = [ChoiceInline]

    def get_inlines(self, request: HttpRequest, obj: Step | None = None):
        return [ChoiceInline] if obj is not None and obj.is_check else []


@admin.register(LocalBlock)
class LocalBlockAdmin(ViewOnly, EditorsOnly, admin.ModelAdmin):
    """Editors and administrators may look; only the library changes its own block."""

    list_display = ["library", "module", "updated_at", "updated_by"]
    list_filter = ["library", "module__programme", "module"]
    search_fields = ["library__name", "module__title", "how_we_do_it", "activities", "partners"]
    list_select_related = ["library", "module", "updated_by"]
    fields = [
        "library",
        "module",
        "how_we_do_it_shown",
        "activities_shown",
        "partners_shown",
        "colleagues",
        "updated_at",
        "updated_by",
    ]
    readonly_fields = fields
    # The library's text as its staff see it.
    how_we_do_it_shown = markdown_shown(LocalBlock, "how_we_do_it")
    activities_shown = markdown_shown(LocalBlock, "activities")
    partners_shown = markdown_shown(LocalBlock, "partners")
