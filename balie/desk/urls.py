from django.urls import path

from balie.desk import handover_urls, views

app_name = "desk"

urlpatterns = [
    *handover_urls.urlpatterns,
]
