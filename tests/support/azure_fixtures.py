"""Fixtures for the Azure-facing commands: one fake ARM per test session, fresh state per test.

Registered for every test directory by the root conftest (`pytest_plugins`), so any test can ask for
`arm` (the fake ARM, reset) or `maas` (the real console entry point run in-process).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.fake_arm import FakeArm, FakeArmServer

_ENV_CLEARED = (
    "AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_TENANT_ID",
    "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "MSI_ENDPOINT",
    "SSL_CERT_FILE", "CURL_CA_BUNDLE", "MAAS_ARM_ENDPOINT", "MAAS_ACCESS_TOKEN", "REQUESTS_CA_BUNDLE",
)


@pytest.fixture(scope="session")
def fake_arm_server() -> Iterator[FakeArmServer]:
    with FakeArmServer() as server:
        yield server


@pytest.fixture
def arm(fake_arm_server: FakeArmServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArm]:
    """The fake ARM, reset, with the environment pointing `maas` at it (token + CA bundle)."""
    fake_arm_server.arm.reset()
    for name in _ENV_CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in fake_arm_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("MAAS_ARM_RETRY_BACKOFF", "0.01")
    yield fake_arm_server.arm
    fake_arm_server.arm.reset()


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def maas(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the real console entry point (`provisioning.cli:main`) in-process; returns a Run."""
    from provisioning.cli import main
    from provisioning.ui import console

    # Console widths are fixed at import from whatever stream came first; make tables deterministic.
    monkeypatch.setattr(console.stdout, "width", 250)
    monkeypatch.setattr(console.stderr, "width", 250)

    def run(*args: str) -> Run:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["maas", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run
