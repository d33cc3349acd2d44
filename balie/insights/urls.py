from django.urls import path

from balie.insights import evaluation_urls, views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("bibliotheek/<int:pk>/", views.library, name="library"),
    path("poi/<int:pk>/", views.poi, name="poi"),
    path("land/", views.national, name="national"),
    # The one-page report for the board (print or save as PDF), with the dashboard's filter.
    path("bibliotheek/<int:pk>/rapport/", views.library, {"board": True}, name="library_report"),
    path("poi/<int:pk>/rapport/", views.poi, {"board": True}, name="poi_report"),
    path("land/rapport/", views.national, {"board": True}, name="national_report"),
    *evaluation_urls.urlpatterns,
]
