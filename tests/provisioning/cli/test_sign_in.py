"""Not signed in, or ARM out of reach: the right hint, the credential chain's own words, JSON errors.

Every request stays on loopback: the managed identity credential is pointed at a loopback URL
(IDENTITY_ENDPOINT + IDENTITY_HEADER select the App Service flavour, so the instance metadata
service at its link-local address is never probed), AZURE_* are cleared and `az` is not on PATH.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_arm import SUB, FakeArm, write_stack

Maas = Callable[..., Any]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _NotAnIdentityService(BaseHTTPRequestHandler):
    """Answers like a host without an identity assigned: an OAuth error body (no access_token), which
    the managed identity credential reports as unavailable, so the chain moves on to the next one."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
        body = json.dumps({"error": "invalid_request", "error_description": "no identity assigned"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def signed_out(arm: FakeArm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeArm:
    """No credential anywhere: no token variable, no service principal, no `az`, no token cache."""
    for name in ("MAAS_ACCESS_TOKEN", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET",
                 "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME", "AZURE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE",
                 "AZURE_AUTHORITY_HOST", "MSI_ENDPOINT", "MSI_SECRET", "AZURE_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"http://127.0.0.1:{_closed_port()}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", "loopback-test")
    return arm


@pytest.fixture
def identity_endpoint_without_identity(signed_out: FakeArm, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotAnIdentityService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}/msi/token")
    yield
    server.shutdown()
    server.server_close()


def test_not_signed_in_says_az_login_not_the_network(signed_out: FakeArm, maas: Maas, tmp_path: Path) -> None:
    stack = write_stack(tmp_path, subscription=None)  # no subscription: the listing that used to blame the network
    run = maas("preflight", "--config", str(stack))
    assert run.code == 2
    assert "az login" in run.stderr and "AZURE_CLIENT_ID" in run.stderr
    assert "network" not in run.stderr and "--arm-endpoint" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "ManagedIdentityCredential" in run.stderr  # what the chain itself said
    assert not signed_out.requests  # nothing reached ARM without a token


def test_the_chain_s_own_line_is_kept_whole(identity_endpoint_without_identity: None, signed_out: FakeArm,
                                            maas: Maas, tmp_path: Path) -> None:
    run = maas("endpoints", "--config", str(write_stack(tmp_path, subscription=None)))
    assert run.code == 2
    assert "AzureCliCredential: Azure CLI not found on path" in run.stderr
    assert "az login" in run.stderr
    assert "https://aka.ms" not in run.stderr  # the troubleshooting links are not the actionable part


@pytest.mark.parametrize("command", [
    ("endpoints", "--subscription", SUB),
    ("audit", "--config", "{stack}"),
    ("keys", "show", "ep-x", "--resource-group", "rg-x", "--workspace", "ws-x", "--subscription", SUB),
])
def test_json_commands_answer_in_json_when_not_signed_in(signed_out: FakeArm, maas: Maas, tmp_path: Path,
                                                          command: tuple[str, ...]) -> None:
    stack = str(write_stack(tmp_path))
    run = maas(*(part.replace("{stack}", stack) for part in command), "--format", "json")
    assert run.code == 2
    error = json.loads(run.stdout)["error"]
    assert error["message"].startswith("not signed in to Azure")
    assert "az login" in error["fix"]


def test_preflight_reports_the_sign_in_as_its_credential_check(signed_out: FakeArm, maas: Maas,
                                                               tmp_path: Path) -> None:
    run = maas("preflight", "--config", str(write_stack(tmp_path)), "--format", "json")
    assert run.code == 2
    credential = json.loads(run.stdout)["checks"][0]
    assert credential["status"] == "fail" and credential["detail"].startswith("not signed in to Azure")
    assert "az login" in credential["fix"]


def test_unreachable_arm_gets_the_network_hint_in_json(arm: FakeArm, maas: Maas) -> None:
    run = maas("endpoints", "--subscription", SUB, "--arm-endpoint", f"https://127.0.0.1:{_closed_port()}",
               "--format", "json")
    assert run.code == 2
    error = json.loads(run.stdout)["error"]
    assert "cannot reach Azure Resource Manager" in error["message"]
    assert "network" in error["fix"] and "az login" not in error["fix"]


@pytest.mark.parametrize("args", [
    ("plan", "--config", "missing.yaml", "--format", "json"),
    ("preflight", "--no-such-option", "--format", "json"),
    ("endpoints", "--format=json", "--subscription", "not-a-guid"),
])
def test_bad_input_of_a_json_command_is_a_json_error(arm: FakeArm, maas: Maas, args: tuple[str, ...]) -> None:
    run = maas(*args)
    assert run.code == 2
    assert set(json.loads(run.stdout)["error"]) == {"message", "fix"}
