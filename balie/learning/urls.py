from django.urls import path

from balie.learning import views

app_name = "learning"
urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("modules/<int:pk>/", views.module_detail, name="module"),
    path("modules/<int:pk>/klaar/", views.module_done, name="module_done"),
    path("modules/<int:pk>/bij-ons/", views.local_block, name="local_block"),
    path("modules/<int:pk>/bij-ons/bewerken/", views.local_block_edit, name="local_block_edit"),
    path("stappen/<int:pk>/", views.step_detail, name="step"),
    path("stappen/<int:pk>/verder/", views.step_next, name="step_next"),
    path("stappen/<int:pk>/antwoord/", views.step_answer, name="step_answer"),
    path("stappen/<int:pk>/tijd/", views.step_time, name="step_time"),
    path("stappen/<int:pk>/aantekening/", views.note_save, name="note_save"),
    path("aantekeningen/", views.notes, name="notes"),
    path("aantekeningen/afdrukken/", views.notes_print, name="notes_print"),
    path("aantekeningen/export.md", views.notes_export, name="notes_export"),
]
