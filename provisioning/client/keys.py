"""Endpoint keys for the fleet client: from the inventory, or read from the Key Vault secrets the
stack stored them in (the stack outputs carry `keySecretUri` for every endpoint; a consumer with
"Key Vault Secrets User" on the keys vault reads them with its own identity).

azure-keyvault-secrets and azure-identity are imported only when a key must come from Key Vault.
Every key read is registered with the redactor at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from provisioning.client.errors import FleetClientError
from provisioning.inputs.inventory import InventoryEndpoint, is_masked_key
from provisioning.redact import REDACTOR


class SecretReader(Protocol):
    def get_secret(self, name: str, version: str | None = None, **kwargs: Any) -> Any: ...


SecretReaderFactory = Callable[[str], SecretReader]  # vault URL -> a client for that vault


def key_vault_reader(credential: Any = None, **client_options: Any) -> SecretReaderFactory:
    """SecretClient per vault with one credential (DefaultAzureCredential unless given);
    `client_options` go to SecretClient as they are (api_version, transport, ...)."""
    from azure.keyvault.secrets import SecretClient

    if credential is None:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential()

    def factory(vault_url: str) -> SecretReader:
        return SecretClient(vault_url=vault_url, credential=credential, **client_options)

    return factory


def resolve_keys(
    endpoints: Sequence[InventoryEndpoint],
    *,
    credential: Any = None,
    secret_readers: SecretReaderFactory | None = None,
) -> dict[str, str]:
    """The key of every endpoint, by URI: the inventory's own, else its Key Vault secret."""
    keys: dict[str, str] = {}
    readers: dict[str, SecretReader] = {}
    missing: list[str] = []
    for endpoint in endpoints:
        inline = endpoint.key.get_secret_value() if endpoint.key is not None else ""
        if inline and not is_masked_key(inline):
            keys[endpoint.uri] = inline
            continue
        if not endpoint.key_secret_uri:
            missing.append(endpoint.name)
            continue
        from azure.keyvault.secrets import KeyVaultSecretIdentifier

        ident = KeyVaultSecretIdentifier(endpoint.key_secret_uri)
        if secret_readers is None:
            secret_readers = key_vault_reader(credential)
        if ident.vault_url not in readers:
            readers[ident.vault_url] = secret_readers(ident.vault_url)
        reader = readers[ident.vault_url]
        try:
            value = reader.get_secret(ident.name, ident.version).value
        except Exception as exc:  # the SDK's errors may quote the response; keep the type and the place
            raise FleetClientError(
                f"cannot read the key of {endpoint.name} ({endpoint.region}) from {endpoint.key_secret_uri}: "
                f"{type(exc).__name__}"
            ) from None
        if not value:
            missing.append(endpoint.name)
            continue
        REDACTOR.add(value)
        keys[endpoint.uri] = value
    if missing:
        raise FleetClientError(f"no key and no keySecretUri for: {', '.join(missing)}")
    return keys
