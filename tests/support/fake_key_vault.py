"""A fake Azure Key Vault (secrets data plane) over HTTPS on 127.0.0.1, for the fleet client's keys.

Behaviour from the published Key Vault REST reference and docs, not from our code:
- `GET {vaultBaseUrl}/secrets/{secret-name}/{secret-version}?api-version=...` -> 200
  `{"value", "id", "attributes": {"enabled", "created", "updated"}}`; an empty version means the latest
  (https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret/get-secret).
- A request without a bearer token gets 401 with `WWW-Authenticate: Bearer authorization="<authority>/<tenant>",
  resource="<resource>"`; the client takes its token for that resource and sends the request again
  (https://learn.microsoft.com/azure/key-vault/general/authentication-requests-and-responses).
- An unknown secret is 404 `{"error": {"code": "SecretNotFound", "message"}}` (same reference).
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.loopback_server import LoopbackServer, LoopbackTls

TENANT = "00000000-0000-0000-0000-0000000000aa"


class FakeKeyVault:
    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(16)  # the bearer token the vault accepts
        self.secrets: dict[str, dict[str, str]] = {}  # name -> version -> value (insertion order: latest last)
        self.requests: list[tuple[str, bool]] = []  # (path, authorised)
        self.url = ""

    def set(self, name: str, version: str, value: str) -> None:
        self.secrets.setdefault(name, {})[version] = value

    async def get_secret(self, request: Request) -> JSONResponse:
        authorised = request.headers.get("authorization") == f"Bearer {self.token}"
        self.requests.append((request.url.path, authorised))
        if not authorised:
            challenge = f'Bearer authorization="https://login.microsoftonline.com/{TENANT}", resource="{self.url}"'
            return JSONResponse({"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer "
                                           "or PoP token."}}, 401, {"WWW-Authenticate": challenge})
        name, version = request.path_params["name"], request.path_params.get("version", "")
        versions = self.secrets.get(name)
        if not versions or (version and version not in versions):
            return JSONResponse({"error": {"code": "SecretNotFound", "message": f"A secret with (name/id) {name} "
                                           "was not found in this key vault."}}, 404)
        version = version or list(versions)[-1]
        return JSONResponse({"value": versions[version], "id": f"{self.url}/secrets/{name}/{version}",
                             "attributes": {"enabled": True, "created": 1_700_000_000, "updated": 1_700_000_000}})

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/secrets/{name}/{version}", self.get_secret, methods=["GET"]),
                                 Route("/secrets/{name}/", self.get_secret, methods=["GET"]),
                                 Route("/secrets/{name}", self.get_secret, methods=["GET"])])


class FakeKeyVaultServer:
    """Serves a FakeKeyVault with a trustme CA; `ca_path` is what REQUESTS_CA_BUNDLE should name."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="fake-kv-")
        self._tls = LoopbackTls.issue(Path(self._tmp.name))
        self.ca_path = self._tls.ca_path
        self._loopback = LoopbackServer(name="fake Key Vault")
        self.vault = FakeKeyVault()
        self.vault.url = f"https://127.0.0.1:{self._loopback.port}"

    def __enter__(self) -> FakeKeyVaultServer:
        self._loopback.start(self.vault.app, **self._tls.uvicorn_options())
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.stop()
        self._tmp.cleanup()
