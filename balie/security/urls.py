from django.urls import path

from balie.security import views

app_name = "security"

urlpatterns = [
    path("inloggen/code/", views.verify, name="verify"),
    path("inloggen/bibliotheekaccount/", views.sign_on, name="sign_on"),
    path("tweestapsverificatie/", views.two_factor, name="two_factor"),
    path("tweestapsverificatie/aanzetten/", views.turn_on, name="turn_on"),
    path("tweestapsverificatie/uitzetten/", views.turn_off, name="turn_off"),
    path("sessie/verlengen/", views.keep_alive, name="keep_alive"),
]
