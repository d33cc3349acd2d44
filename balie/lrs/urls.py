"""The xAPI resources, under `/xapi/` (the endpoint given to clients ends in that slash)."""

from django.urls import path

from balie.lrs import cmi5, documents, views

app_name = "lrs"
urlpatterns = [
    path("about", views.about, name="about"),
    path("statements", views.statements, name="statements"),
    path("activities", documents.activities, name="activities"),
    path("activities/state", documents.state, name="state"),
    path("activities/profile", documents.activity_profile, name="activity_profile"),
    path("agents", documents.agents, name="agents"),
    path("agents/profile", documents.agent_profile, name="agent_profile"),
    path("cmi5/fetch/<str:code>", cmi5.fetch, name="cmi5_fetch"),
]
