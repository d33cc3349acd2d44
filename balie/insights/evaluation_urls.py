"""The questionnaires; included by insights/urls.py in the `insights` namespace."""

from django.urls import path

from balie.insights import evaluation_views

urlpatterns: list = []
