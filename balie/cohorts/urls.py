from django.urls import path

from balie.cohorts import views

app_name = "cohorts"
urlpatterns = [
    path("cohorten/", views.cohort_list, name="cohort_list"),
    path("cohorten/nieuw/", views.cohort_new, name="cohort_new"),
    path("cohorten/<int:pk>/", views.cohort_detail, name="cohort"),
    path("cohorten/<int:pk>/team/", views.team, name="team"),
    path(
        "cohorten/<int:pk>/deelnemers/importeren/",
        views.participants_import,
        name="participants_import",
    ),
    path("bijeenkomsten/<int:pk>/", views.meeting_detail, name="meeting"),
    path("bijeenkomsten/<int:pk>/bewerken/", views.meeting_edit, name="meeting_edit"),
    path("bijeenkomsten/<int:pk>/annuleren/", views.meeting_cancel, name="meeting_cancel"),
    path(
        "bijeenkomsten/<int:pk>/aanwezigheid/", views.meeting_attendance, name="meeting_attendance"
    ),
    path("bijeenkomsten/<int:pk>/uitkomsten/", views.outcome_add, name="outcome_add"),
    path("bijeenkomsten/<int:pk>/materialen/", views.material_add, name="material_add"),
    path("bijeenkomsten/<int:pk>/ingehaald/", views.caught_up, name="caught_up"),
    path("bijeenkomsten/<int:pk>/agenda.ics", views.meeting_ics, name="meeting_ics"),
    path("agenda/", views.my_calendar, name="my_calendar"),
    path("agenda/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
