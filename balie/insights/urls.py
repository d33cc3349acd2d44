from django.urls import path

from balie.insights import evaluation_views, views

app_name = "insights"

urlpatterns: list = []
