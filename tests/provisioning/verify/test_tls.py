"""TLS verification is always on: an endpoint with a certificate nobody trusts fails as transport
(without retries); trusting its CA through SSL_CERT_FILE / REQUESTS_CA_BUNDLE makes it pass."""

from __future__ import annotations

from typing import Any

import pytest

from provisioning.inputs.inventory import InventoryEndpoint
from tests.support.loopback_server import LoopbackTls


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> LoopbackTls:
    return LoopbackTls.issue(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_endpoint(tls: LoopbackTls, server_factory: Any, helpers: Any) -> InventoryEndpoint:
    server, _ = server_factory(**tls.uvicorn_options())
    return InventoryEndpoint.model_validate(
        {
            "region": "westus3",
            "model": "stable-image-ultra",
            "name": "tls",
            "key": helpers.key,
            "uri": f"https://127.0.0.1:{server.port}/m/stable-image-ultra",
        }
    )


async def test_untrusted_certificate_is_a_transport_failure(
    tls_endpoint: InventoryEndpoint, run_verify: Any, helpers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    report = await run_verify([tls_endpoint])
    checks = helpers.checks(report)
    assert checks["text-to-image"] == ("fail", "transport")
    t2i = report.endpoints[0].checks[helpers.CheckName.TEXT_TO_IMAGE]
    assert "CERTIFICATE_VERIFY_FAILED" in t2i.detail


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
async def test_trusted_ca_bundle_passes(
    variable: str,
    tls: LoopbackTls,
    tls_endpoint: InventoryEndpoint,
    run_verify: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, str(tls.ca_path))
    report = await run_verify([tls_endpoint])
    assert report.ok, report.to_json()
