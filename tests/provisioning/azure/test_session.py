"""provisioning/azure/session.py: settings, the static-token credential, identity, subscription resolution."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from infra.config import FleetConfig
from provisioning.azure.session import (
    PUBLIC_ARM_ENDPOINT,
    AzureSession,
    AzureSettings,
    Identity,
    StaticTokenCredential,
    build_credential,
    jwt_claims,
)
from provisioning.errors import BadInput, CredentialError
from provisioning.redact import REDACTOR
from tests.support.fake_arm import OTHER_SUB, SUB, FakeArm, default_token, make_jwt


def test_public_cloud_by_default_and_scope_follows_the_endpoint() -> None:
    settings = AzureSettings.from_env(environ={})
    assert settings.arm_endpoint == PUBLIC_ARM_ENDPOINT
    assert settings.scope == "https://management.azure.com/.default"
    gov = AzureSettings.from_env("https://Management.USGovCloudAPI.net/", environ={})
    assert gov.arm_endpoint == "https://management.usgovcloudapi.net"
    assert gov.scope == "https://management.usgovcloudapi.net/.default"
    env = AzureSettings.from_env(environ={"MAAS_ARM_ENDPOINT": "https://127.0.0.1:8443"})
    assert env.scope == "https://127.0.0.1:8443/.default"


@pytest.mark.parametrize("bad", ["http://management.azure.com", "management.azure.com",
                                 "https://management.azure.com/subscriptions", "https://x?y=1"])
def test_endpoint_must_be_a_bare_https_url(bad: str) -> None:
    with pytest.raises(BadInput) as err:
        AzureSettings.from_env(bad, environ={})
    assert "--arm-endpoint" in str(err.value)


def test_ca_bundle_from_requests_or_ssl_env(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert AzureSettings.from_env(environ={"SSL_CERT_FILE": str(bundle)}).ca_bundle == str(bundle)
    assert AzureSettings.from_env(environ={"REQUESTS_CA_BUNDLE": str(bundle), "SSL_CERT_FILE": "/nope"}).ca_bundle \
        == str(bundle)
    with pytest.raises(BadInput, match="REQUESTS_CA_BUNDLE"):
        AzureSettings.from_env(environ={"REQUESTS_CA_BUNDLE": str(tmp_path / "missing.pem")})


def test_static_token_credential_serves_both_protocols_and_hides_the_token() -> None:
    token = default_token()
    cred = StaticTokenCredential("Bearer " + token)
    assert cred.get_token("https://management.azure.com/.default").token == token
    info = cred.get_token_info("https://management.azure.com/.default")
    assert info.token == token and info.expires_on > time.time()
    assert token not in repr(cred) and "****" in repr(cred)
    assert token in REDACTOR and REDACTOR.scrub(f"x {token} y") == "x **** y"


def test_static_token_rejects_empty_and_expired_tokens() -> None:
    with pytest.raises(CredentialError, match="empty"):
        StaticTokenCredential("  ")
    expired = make_jwt({"oid": "x", "exp": int(time.time()) - 60})
    with pytest.raises(CredentialError, match="expired") as err:
        StaticTokenCredential(expired)
    assert expired not in str(err.value)


def test_build_credential_prefers_the_pipeline_token() -> None:
    assert isinstance(build_credential({"MAAS_ACCESS_TOKEN": default_token()}), StaticTokenCredential)


@pytest.mark.parametrize(("claims", "kind", "name"), [
    ({"oid": "o", "tid": "t", "upn": "ana@contoso.example"}, "user", "ana@contoso.example"),
    ({"oid": "o", "tid": "t", "appid": "app-1", "idtyp": "app"}, "service principal", "app-1"),
    ({"oid": "o", "tid": "t", "appid": "app-2",
      "xms_mirid": "/subscriptions/s/resourcegroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci"},
     "managed identity", "ci"),
])
def test_identity_from_token_claims(claims: dict[str, str], kind: str, name: str) -> None:
    identity = Identity.from_token(make_jwt(claims))
    assert (identity.kind, identity.name) == (kind, name)
    assert "o" in identity.describe()


def test_opaque_tokens_are_accepted_without_identity() -> None:
    assert jwt_claims("not-a-jwt") == {}
    assert Identity.from_token("opaque-token-value").kind == "unknown"


def test_subscription_resolution_order(arm: FakeArm) -> None:
    config = FleetConfig(prefix="contoso", regions=("eastus2",), subscription_id=OTHER_SUB)
    with AzureSession() as session:
        explicit = session.resolve_subscriptions([SUB, SUB.upper()], config, environ={"AZURE_SUBSCRIPTION_ID": SUB})
        assert [(s.id, s.source) for s in explicit] == [(SUB, "--subscription")]
        from_config = session.resolve_subscriptions([], config, environ={"AZURE_SUBSCRIPTION_ID": SUB})
        assert (from_config[0].id, from_config[0].source) == (OTHER_SUB, "azure-native:subscriptionId")
        from_env = session.resolve_subscriptions([], None, environ={"ARM_SUBSCRIPTION_ID": SUB})
        assert (from_env[0].id, from_env[0].source) == (SUB, "ARM_SUBSCRIPTION_ID")
        with pytest.raises(BadInput, match="not a subscription id"):
            session.resolve_subscriptions(["my-sub"], None, environ={})


def test_default_subscription_is_the_first_enabled_one(arm: FakeArm) -> None:
    arm.add_subscription(OTHER_SUB, "Disabled one", state="Disabled")
    arm.add_subscription(SUB, "Production")
    arm.add_subscription("22222222-2222-4222-8222-222222222222", "Staging")
    with AzureSession() as session:
        chosen = session.resolve_subscriptions([], None, environ={})[0]
    assert chosen.id == SUB and chosen.source == "credential default"
    assert "first of 2 enabled" in chosen.note


def test_no_enabled_subscription_is_a_credential_problem(arm: FakeArm) -> None:
    arm.add_subscription(SUB, state="Disabled")
    with AzureSession() as session, pytest.raises(CredentialError, match="no enabled subscription"):
        session.resolve_subscriptions([], None, environ={})


def test_ml_client_targets_the_same_endpoint(arm: FakeArm) -> None:
    with AzureSession() as session:
        cloud = session._ml_cloud()
        assert cloud["cloud_metadata"]["resource_manager"].startswith(session.settings.arm_endpoint)
    public = AzureSession(AzureSettings())
    assert public._ml_cloud() == {"cloud": "AzureCloud"}
    gov = AzureSession(AzureSettings("https://management.usgovcloudapi.net"))
    assert gov._ml_cloud() == {"cloud": "AzureUSGovernment"}


def test_every_token_the_default_credential_fetches_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whichever client asks (azure-core's bearer policy prefers get_token_info), in any command."""
    import azure.identity
    from azure.core.credentials import AccessToken, AccessTokenInfo

    from provisioning.azure.registered_credential import RegisteredCredential

    issued = iter(f"fresh-token-{i}-" + "t" * 20 for i in range(3))

    class FakeDefault:
        def __init__(self, **kwargs: object) -> None:
            self.closed = False

        def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
            return AccessToken(next(issued), int(time.time()) + 3600)

        def get_token_info(self, *scopes: str, options: object = None) -> AccessTokenInfo:
            return AccessTokenInfo(next(issued), int(time.time()) + 3600)

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", FakeDefault)
    cred = build_credential({})
    assert isinstance(cred, RegisteredCredential)
    first = cred.get_token("https://management.azure.com/.default").token
    second = cred.get_token_info("https://management.azure.com/.default").token  # type: ignore[attr-defined]
    for token in (first, second):
        assert REDACTOR.scrub(f"Authorization: Bearer {token}") == "Authorization: Bearer ****"
    assert "fresh-token" not in repr(cred)
    cred.close()  # type: ignore[attr-defined]
    assert cred.inner.closed  # type: ignore[attr-defined]

