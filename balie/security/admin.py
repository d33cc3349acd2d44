# allauth's pages in the management site are registered first, so that they can be taken out.
import allauth.account.admin  # noqa: F401
import allauth.socialaccount.admin  # noqa: F401
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.http import HttpRequest

from balie.lib.admin import ViewOnly
from balie.security.models import AuditEvent, TwoFactor


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnly, admin.ModelAdmin):
    """The audit log, to read: nobody adds, changes or deletes an event here (nor anywhere)."""

    list_display = ["at", "action", "actor", "actor_role", "object_type", "object_id", "ip"]
    list_filter = ["action", "at"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    actions = None
    fields = [
        "at",
        "action",
        "actor",
        "actor_role",
        "object_type",
        "object_id",
        "organisation",
        "ip",
        "details",
    ]
    readonly_fields = fields


@admin.register(TwoFactor)
class TwoFactorAdmin(admin.ModelAdmin):
    """Who has two-step verification on. Deleting one turns it off for a person who lost both
    phone and recovery codes; they set it up again after their next login."""

    list_display = ["user", "created_at", "last_used_at"]
    search_fields = ["user__full_name", "user__email"]
    list_select_related = ["user"]
    fields = ["user", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# Organisations' providers are kept as orgs.SingleSignOn; Balie stores no tokens and keeps the
# e-mail address on the person.
for model in (SocialApp, SocialToken, EmailAddress, SocialAccount):
    admin.site.unregister(model)


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    """Who logged in with which library account (the provider's subject). Deleting one unlinks
    it: the next login with that account is matched on the e-mail address again."""

    list_display = ["user", "provider", "uid", "last_login", "date_joined"]
    list_filter = ["provider"]
    search_fields = ["user__full_name", "user__email", "uid"]
    list_select_related = ["user"]
    fields = ["user", "provider", "uid", "extra_data", "last_login", "date_joined"]
    readonly_fields = fields
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
