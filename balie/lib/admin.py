"""What the management site's pages of several apps share."""

from __future__ import annotations

from django.http import HttpRequest


class ViewOnly:
    """A ModelAdmin mixin: the records are shown, never added, changed or deleted here —
    they are made elsewhere (by an action, with its checks) or never change at all."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
