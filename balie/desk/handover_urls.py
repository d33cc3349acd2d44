"""The warm hand-over and the Taalhuis side; included by desk/urls.py in the `desk` namespace."""

from django.urls import path

from balie.desk import handover_views

urlpatterns: list = []
