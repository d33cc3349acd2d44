from django.contrib import admin

from balie.desk.models import Offer
from balie.lib.admin import MarkdownFields

# Referrals are deliberately not in the admin: the tally is read as team figures only.


@admin.register(Offer)
class OfferAdmin(MarkdownFields, admin.ModelAdmin):
    markdown_fields = ("description",)
    list_display = ["name", "kind", "library", "branch", "owner", "is_active", "position"]
    list_filter = ["kind", "is_active", "takes_appointments"]
    search_fields = ["name", "library__name", "schedule"]
    autocomplete_fields = ["library", "branch", "owner"]
    list_select_related = ["library", "branch", "owner"]
