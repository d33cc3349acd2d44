from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from balie import views

urlpatterns = [
    path("", views.home, name="home"),
    # First: Django tries the patterns in order, and xAPI clients send a request per statement.
    path("xapi/", include("balie.lrs.urls")),
    path("leren/", include("balie.learning.urls")),
    path("", include("balie.cohorts.urls")),
    path("", include("balie.carousel.urls")),
    path("", include("balie.personas.urls")),
    path("", include("balie.orgs.urls")),
    path("", include("balie.desk.urls")),
    path("inzicht/", include("balie.insights.urls")),
    path("scorm/", include("balie.scorm.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("", include("balie.security.urls")),
    # The one allauth URL: the library's provider sends the browser back here (balie/security/
    # sso.py). allauth's own pages (signup, its login, e-mail management) are not included.
    path(
        "inloggen/bibliotheekaccount/<str:provider_id>/terug/",
        oidc_views.callback,
        name="openid_connect_callback",
    ),
    path("beheer/", admin.site.urls),
    path("sessie/token/", views.csrf_token, name="csrf_token"),
    path("health/live", views.live, name="health_live"),
    path("health/ready", views.ready, name="health_ready"),
    path("media/<path:path>", views.media, name="media"),
]
