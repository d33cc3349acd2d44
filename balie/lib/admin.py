"""What the management site's pages of several apps share."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.safestring import SafeString

from balie.lib.markdown import render


class ViewOnly:
    """A ModelAdmin mixin: the records are shown, never added, changed or deleted here —
    they are made elsewhere (by an action, with its checks) or never change at all."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class EditorsOnly:
    """A ModelAdmin (or inline) mixin: only programme editors and administrators see these
    pages and keep what they hold (the national content and lists). Put ViewOnly before it
    for records they may only read."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.may_edit_programmes

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


class MarkdownWidget(forms.Textarea):
    """A Markdown text area with a "Preview" button: the text as Balie will show it, rendered
    and sanitised by the management site (balie/admin_site.py)."""

    template_name = "admin/widgets/markdown.html"  # its script: static/balie/admin.js


class MarkdownFields:
    """A ModelAdmin (or inline) mixin: the fields named in `markdown_fields` get the
    MarkdownWidget."""

    markdown_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in self.markdown_fields:
            kwargs["widget"] = MarkdownWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def markdown_shown(model: type[models.Model], field: str) -> Callable[..., SafeString | str]:
    """A read-only field of a ModelAdmin that shows a Markdown field as Balie renders it."""

    @admin.display(description=model._meta.get_field(field).verbose_name)
    def shown(model_admin, obj) -> SafeString | str:
        return render(getattr(obj, field)) or "—"

    return shown
