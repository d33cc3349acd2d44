from django.urls import path

from balie.insights import evaluation_urls, views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("bibliotheek/<int:pk>/", views.library, name="library"),
    path("poi/<int:pk>/", views.poi, name="poi"),
    path("land/", views.national, name="national"),
    *evaluation_urls.urlpatterns,
]
