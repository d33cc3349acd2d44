from django.urls import path

from balie.carousel import views

app_name = "carousel"
urlpatterns = [
    path("kenniscarrousel/", views.event_list, name="event_list"),
    path("kenniscarrousel/nieuw/", views.event_new, name="event_new"),
    path("kenniscarrousel/<int:pk>/", views.event_detail, name="event"),
    path("kenniscarrousel/<int:pk>/aanmelden/", views.event_signup, name="event_signup"),
    path("kenniscarrousel/<int:pk>/afmelden/", views.event_withdraw, name="event_withdraw"),
    path("kenniscarrousel/<int:pk>/rooster/", views.event_schedule, name="event_schedule"),
    path("kenniscarrousel/<int:pk>/mijn-rooster/", views.my_schedule, name="my_schedule"),
    path(
        "kenniscarrousel/<int:pk>/mijn-rooster.ics", views.my_schedule_ics, name="my_schedule_ics"
    ),
    path(
        "kenniscarrousel/<int:pk>/rooster/bijwerken/",
        views.schedule_preview,
        name="schedule_preview",
    ),
    path("kenniscarrousel/<int:pk>/afgelasten/", views.event_cancel, name="event_cancel"),
    path("kenniscarrousel/<int:pk>/aanwezig/", views.attendance, name="attendance"),
    path("kenniscarrousel/<int:pk>/opfrissen/", views.refresher, name="refresher"),
]
