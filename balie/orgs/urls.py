from django.contrib.auth import views as auth_views
from django.urls import path

from balie.orgs import views

urlpatterns = [
    path("inloggen/", views.login, name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
]
