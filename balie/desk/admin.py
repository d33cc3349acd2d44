from django.contrib import admin

from balie.desk.models import Offer

# Referrals are deliberately not in the admin: the tally is read as team figures only.


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "library", "branch", "owner", "is_active", "position"]
    list_filter = ["kind", "is_active", "takes_appointments"]
    search_fields = ["name", "library__name", "schedule"]
    autocomplete_fields = ["library", "branch", "owner"]
    list_select_related = ["library", "branch", "owner"]
