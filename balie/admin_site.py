"""Balie's management site (Beheer): Django's admin with Balie's name and look
(templates/admin/, static/balie/admin.css) and the preview of Markdown fields."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from balie.lib.markdown import render


class BalieAdminSite(admin.AdminSite):
    site_header = "Balie"
    site_title = "Balie"
    index_title = _("Management")

    def get_urls(self):
        preview = self.admin_view(markdown_preview)
        return [path("voorbeeld/", preview, name="markdown_preview"), *super().get_urls()]


@require_POST
@ratelimit(key="user", rate="120/m")
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """The Markdown of a field as Balie will show it: rendered and sanitised by the same
    `lib.markdown.render`. For editors and administrators (the site's `admin_view` adds the
    login, staff and CSRF checks); it reads and stores nothing."""
    if not request.user.may_edit_programmes:
        return HttpResponse(status=403)
    return HttpResponse(render(request.POST.get("text", "")), content_type="text/html")
