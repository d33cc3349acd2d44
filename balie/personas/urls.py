from django.urls import path

from balie.personas import views
from balie.personas.models import PersonaKind

app_name = "personas"
urlpatterns = [
    path("personas/", views.persona_list, name="list"),
    path(
        "personas/klanten/",
        views.persona_list,
        {"kind": PersonaKind.CUSTOMER},
        name="customers",
    ),
    path("personas/medewerkers/", views.persona_list, {"kind": PersonaKind.STAFF}, name="staff"),
    path("personas/kaarten/", views.persona_cards, name="cards"),
    path("personas/nieuw/", views.persona_new, name="new"),
    path("personas/<int:pk>/", views.persona_detail, name="detail"),
    path("personas/<int:pk>/kaart/", views.persona_card, name="card"),
    path("personas/<int:pk>/wijzigen/", views.persona_edit, name="edit"),
    path("personas/<int:pk>/verwijderen/", views.persona_delete, name="delete"),
]
