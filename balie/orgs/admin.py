from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from balie.lib.admin import EditorsOnly, ViewOnly
from balie.orgs.models import (
    DirectoryEntry,
    Membership,
    Organisation,
    SingleSignOn,
    Topic,
    User,
)

# A person's rights come from their roles (memberships), not from Django's groups and
# permissions, which Balie does not use; the groups page only confused.
admin.site.unregister(Group)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "place", "works_council_agreed_on"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "place"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organisation", "branch"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["full_name"]
    list_display = ["full_name", "email", "is_active", "last_login"]
    list_filter = ["is_active", "memberships__role"]
    search_fields = ["full_name", "email"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Topic)
class TopicAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ["name", "position", "keywords"]
    list_editable = ["position"]
    search_fields = ["name", "keywords"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(ViewOnly, EditorsOnly, admin.ModelAdmin):
    """A library keeps its own directory on the "wie doet wat" page; here editors and
    administrators only look, and administrators may take an entry out."""

    list_display = ["person", "role_title", "library", "branch", "updated_at"]
    list_filter = [("library", admin.RelatedOnlyFieldListFilter), "topics"]
    search_fields = ["person__full_name", "role_title", "library__name"]
    list_select_related = ["person", "library", "branch"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


class HttpsURLField(forms.URLField):
    def __init__(self, **kwargs) -> None:
        super().__init__(assume_scheme="https", **kwargs)


class SingleSignOnForm(forms.ModelForm):
    """The client secret is never shown again; left empty on a change, it stays as it was."""

    secret = forms.CharField(
        label=_("client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the secret that is stored."),
    )

    class Meta:
        model = SingleSignOn
        fields = ["organisation", "provider_id", "issuer", "client_id", "secret", "email_domains"]
        field_classes = {"issuer": HttpsURLField}

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")
        if not secret:
            raise forms.ValidationError(_("Give the client secret."))
        return secret


@admin.register(SingleSignOn)
class SingleSignOnAdmin(admin.ModelAdmin):
    """An organisation's own sign-in (docs/deploy.md: Microsoft Entra ID, Google)."""

    form = SingleSignOnForm
    list_display = ["organisation", "issuer", "email_domains", "provider_id"]
    search_fields = ["organisation__name", "email_domains"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["redirect_url"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # The short name is part of the redirect URL registered at the provider.
        return ["provider_id", "redirect_url"] if obj else ["redirect_url"]

    @admin.display(description=_("redirect URL to register at the provider"))
    def redirect_url(self, obj: SingleSignOn) -> str:
        if not obj.pk:
            return "-"
        path = reverse("openid_connect_callback", kwargs={"provider_id": obj.provider_id})
        return settings.BALIE_SITE_URL.rstrip("/") + path
