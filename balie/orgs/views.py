from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse

from balie.orgs.forms import LoginForm


@login_not_required
def login(request: HttpRequest) -> HttpResponse:
    return auth_views.LoginView.as_view(
        template_name="orgs/login.html",
        authentication_form=LoginForm,
        redirect_authenticated_user=True,
    )(request)
