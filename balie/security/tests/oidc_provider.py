"""A real OpenID Connect provider for the tests (oidc-provider-mock: authlib and Flask), in a
process of its own on a free port, so that the tests' clock (time-machine) is not its clock.

Its login page asks for a subject ("sub") and has an Authorize button; the claims of a subject
(e-mail address, whether it is verified) are set beforehand with `set_claims`."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

SERVE = """
import sys
import werkzeug.serving
import oidc_provider_mock

server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


class Provider:
    def __init__(self, url: str) -> None:
        self.url = url

    def set_claims(self, sub: str, **claims: object) -> None:
        request = urllib.request.Request(  # noqa: S310 - the local provider
            f"{self.url}/users/{sub}",
            data=json.dumps(claims).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - local
            assert response.status == 204


@contextmanager
def running_provider() -> Iterator[Provider]:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SERVE],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        yield Provider(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)
