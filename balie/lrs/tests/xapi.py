"""Helpers that the `/xapi/` tests share: a client with Basic credentials, and a test case
whose `xapi_*` methods send the version header and that client's credentials."""

from __future__ import annotations

import base64
import json
from typing import Any

from balie.lrs.http import hash_secret, new_credentials
from balie.lrs.models import Client
from balie.orgs.models import Organisation
from balie.testing import BaseTestCase

VERSION = "1.0.3"


def make_client(organisation: Organisation, **fields: Any) -> tuple[Client, str]:
    """A client for `organisation` and the value of its Authorization header."""
    key, secret = new_credentials()
    fields.setdefault("name", f"Client of {organisation.name}")
    client = Client.objects.create(
        organisation=organisation, key=key, secret_hash=hash_secret(secret), **fields
    )
    return client, basic_auth(key, secret)


def basic_auth(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


class XapiTestCase(BaseTestCase):
    """The cast of `BaseTestCase` plus `self.lrs_client`/`self.auth` for library A."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.lrs_client, cls.auth = make_client(cls.library)

    def xapi(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: str | None = None,
        content_type: str = "application/json",
        version: str | None = VERSION,
        **headers: str,
    ):
        """Send `method` to `path` (under /xapi/, query string included). A `body` that is not
        bytes or str is sent as JSON."""
        if body is not None and not isinstance(body, bytes | str):
            body = json.dumps(body)
        if version is not None:
            headers["HTTP_X_EXPERIENCE_API_VERSION"] = version
        headers["HTTP_AUTHORIZATION"] = auth if auth is not None else self.auth
        url = path if path.startswith("/") else "/xapi/" + path
        return self.client.generic(
            method, url, body if body is not None else b"", content_type=content_type, **headers
        )

    def xapi_get(self, path: str, **kw: Any):
        return self.xapi("GET", path, **kw)

    def xapi_post(self, path: str, body: Any = None, **kw: Any):
        return self.xapi("POST", path, body, **kw)

    def xapi_put(self, path: str, body: Any = None, **kw: Any):
        return self.xapi("PUT", path, body, **kw)

    def xapi_delete(self, path: str, **kw: Any):
        return self.xapi("DELETE", path, **kw)
