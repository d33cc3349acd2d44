from django.urls import path

from balie.scorm import cmi5, views

app_name = "scorm"
urlpatterns = [
    path("modules/<int:pk>/nieuw/", views.upload, name="upload"),
    path("stappen/<int:pk>/vervangen/", views.replace, name="replace"),
    path("pakketten/<int:pk>/start/", views.start, name="start"),
    path("pakketten/<int:pk>/opnieuw/", views.retry, name="retry"),
    path("commit/", views.commit, name="commit"),
    path("pakketten/<int:pk>/cmi5/<int:index>/start/", cmi5.launch, name="cmi5_launch"),
]
