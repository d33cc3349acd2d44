from django.urls import path

from balie.desk import handover_urls, views

app_name = "desk"

urlpatterns = [
    path("aanbod/", views.offer_list, name="offers"),
    path("aanbod/nieuw/", views.offer_new, name="offer_new"),
    path("aanbod/<int:pk>/wijzigen/", views.offer_edit, name="offer_edit"),
    path("aanbod/<int:pk>/op-de-lijst/", views.offer_active, name="offer_active"),
    path("aanbod/<int:pk>/verwijderen/", views.offer_delete, name="offer_delete"),
    path("doorverwijzen/", views.tally, name="tally"),
    path("doorverwijzen/tellen", views.tally_log, name="tally_log"),
    path("doorverwijzen/ongedaan", views.tally_undo, name="tally_undo"),
    *handover_urls.urlpatterns,
]
