from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out client before the password is checked (django-axes).

    Axes needs the request to know the client. An authenticate() call without one (the test
    client's login(), a shell) comes from no client that could be locked out, so it passes on
    to the next backend instead of raising."""

    def authenticate(self, request: HttpRequest | None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
