from django.urls import path

from balie.insights import evaluation_urls, views

app_name = "insights"

urlpatterns = [
    *evaluation_urls.urlpatterns,
]
