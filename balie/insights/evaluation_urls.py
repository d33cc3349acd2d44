"""The questionnaires; included by insights/urls.py in the `insights` namespace."""

from django.urls import path

from balie.insights import evaluation_views

urlpatterns: list = [
    path("vragenlijst/<int:pk>/", evaluation_views.evaluate, name="evaluate"),
    path(
        "vragenlijst/module/<int:pk>/",
        evaluation_views.evaluate_module,
        name="evaluate_module",
    ),
]
