from django.contrib import admin, messages
from django.utils.translation import gettext as _

from balie.lib.admin import ViewOnly
from balie.lrs.http import hash_secret, new_credentials
from balie.lrs.models import Client, Forwarder, Statement


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    """An administrator makes a client for an organisation; its secret is shown once, right
    after saving, and only its hash is kept."""

    list_display = ["name", "organisation", "key", "may_read", "may_write", "is_active"]
    list_filter = ["is_active", "may_write"]
    search_fields = ["name", "key", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    exclude = ["secret_hash"]  # made on saving, never typed
    readonly_fields = ["key", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change) -> None:
        secret = None
        if not change:
            obj.key, secret = new_credentials()
            obj.secret_hash = hash_secret(secret)
        super().save_model(request, obj, form, change)
        if secret:
            messages.warning(
                request,
                _(
                    "The client's key is %(key)s and its secret is %(secret)s. Copy the secret "
                    "now: it is shown only this once."
                )
                % {"key": obj.key, "secret": secret},
            )


@admin.register(Forwarder)
class ForwarderAdmin(admin.ModelAdmin):
    list_display = ["endpoint", "organisation", "is_active", "failures", "last_sent_at"]
    list_filter = ["is_active"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["failures", "last_error", "last_sent_at"]


@admin.register(Statement)
class StatementAdmin(ViewOnly, admin.ModelAdmin):
    """A look at what was stored, never a way to change it: statements are insert-only."""

    list_display = ["statement_id", "verb_id", "organisation", "stored"]
    list_select_related = ["organisation"]
    search_fields = ["=statement_id"]
    show_full_result_count = False  # counting a million rows on every page is not worth it
