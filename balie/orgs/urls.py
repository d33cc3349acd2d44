from django.contrib.auth import views as auth_views
from django.urls import path

from balie.orgs import views

urlpatterns = [
    path("inloggen/", views.login, name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("wie-doet-wat/", views.directory, name="directory"),
    path("wie-doet-wat/kaart/", views.directory_card, name="directory_card"),
    path("wie-doet-wat/nieuw/", views.directory_new, name="directory_new"),
    path("wie-doet-wat/<int:pk>/wijzigen/", views.directory_edit, name="directory_edit"),
    path("wie-doet-wat/<int:pk>/verwijderen/", views.directory_remove, name="directory_remove"),
]
