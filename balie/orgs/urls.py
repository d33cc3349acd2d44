from django.contrib.auth import views as auth_views
from django.urls import path

from balie.orgs import account_views, views

urlpatterns = [
    path("inloggen/", views.login, name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    # Accounts that look after themselves (orgs/accounts.py)
    path(
        "wachtwoord-vergeten/",
        account_views.ForgottenPasswordView.as_view(),
        name="password_reset",
    ),
    path(
        "wachtwoord-vergeten/verstuurd/",
        account_views.ForgottenPasswordSentView.as_view(),
        name="password_reset_done",
    ),
    path(
        "wachtwoord-vergeten/klaar/",
        account_views.NewPasswordSetView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "wachtwoord-vergeten/<uidb64>/<token>/",
        account_views.NewPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "activeren/<uidb64>/nieuwe-link/",
        account_views.activation_new_link,
        name="activation_new_link",
    ),
    path("activeren/<uidb64>/<token>/", account_views.ActivateView.as_view(), name="activate"),
    path("privacy/", account_views.privacy_notice, name="privacy_notice"),
    path("mijn-gegevens/", account_views.my_account, name="my_account"),
    path("ons-team/", account_views.team, name="team"),
    path("ons-team/nieuw/", account_views.team_add, name="team_add"),
    path("ons-team/<int:pk>/uitnodiging/", account_views.team_resend, name="team_resend"),
    path("ons-team/<int:pk>/toegang-beeindigen/", account_views.team_end, name="team_end"),
    path("wie-doet-wat/", views.directory, name="directory"),
    path("wie-doet-wat/kaart/", views.directory_card, name="directory_card"),
    path("wie-doet-wat/nieuw/", views.directory_new, name="directory_new"),
    path("wie-doet-wat/<int:pk>/wijzigen/", views.directory_edit, name="directory_edit"),
    path("wie-doet-wat/<int:pk>/verwijderen/", views.directory_remove, name="directory_remove"),
]
