"""The warm hand-over and the Taalhuis side; included by desk/urls.py in the `desk` namespace."""

from django.urls import path

from balie.desk import handover_views

urlpatterns: list = [
    path("afspraak/", handover_views.book, name="book"),
    # By the card's unguessable id: the old addresses by number are gone (404).
    path("afspraak/kaart/<uuid:card>/", handover_views.card, name="card"),
    path("afspraak/kaart/<uuid:card>/mail/", handover_views.card_mail, name="card_mail"),
    path("taalhuis/", handover_views.taalhuis, name="taalhuis"),
    path("taalhuis/<int:pk>/uitkomst/", handover_views.outcome, name="outcome"),
    path("taalhuis/intake/", handover_views.intake_new, name="intake_new"),
    path("taalhuis/tijden/", handover_views.slot_list, name="slots"),
    path("taalhuis/tijden/<int:pk>/afzeggen/", handover_views.slot_cancel, name="slot_cancel"),
    path("balie-instellingen/", handover_views.desk_settings, name="settings"),
]
