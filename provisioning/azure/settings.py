"""Where and how to reach Azure Resource Manager: endpoint, token scope, CA bundle, retries, timeouts.

Why its own module: the ARM client, the error translator and the session all need these facts, and
none of them may import the session (which builds clients from them) without making a cycle.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from provisioning.errors import BadInput

PUBLIC_ARM_ENDPOINT: Final = "https://management.azure.com"
ENV_ARM_ENDPOINT: Final = "MAAS_ARM_ENDPOINT"
ENV_ACCESS_TOKEN: Final = "MAAS_ACCESS_TOKEN"  # noqa: S105 - the variable's name, not a token
ENV_RETRY_BACKOFF: Final = "MAAS_ARM_RETRY_BACKOFF"
SUBSCRIPTION_ENV: Final = ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID")
CA_BUNDLE_ENV: Final = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


# --------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AzureSettings:
    """Where and how to reach Azure Resource Manager; read once from options and environment."""

    arm_endpoint: str = PUBLIC_ARM_ENDPOINT
    ca_bundle: str | None = None
    retry_total: int = 4
    retry_backoff: float = 0.8  # seconds, doubled per retry; Retry-After always wins
    connection_timeout: float = 15
    read_timeout: float = 60

    @property
    def scope(self) -> str:
        """The token scope that matches the endpoint: `<endpoint>/.default`."""
        return f"{self.arm_endpoint}/.default"

    @property
    def host(self) -> str:
        return urlsplit(self.arm_endpoint).netloc.lower()

    @classmethod
    def from_env(cls, arm_endpoint: str | None = None, environ: Mapping[str, str] | None = None) -> AzureSettings:
        env = os.environ if environ is None else environ
        raw = arm_endpoint or env.get(ENV_ARM_ENDPOINT) or PUBLIC_ARM_ENDPOINT
        source = "--arm-endpoint" if arm_endpoint else (ENV_ARM_ENDPOINT if env.get(ENV_ARM_ENDPOINT) else "default")
        endpoint = normalise_endpoint(raw, source)
        ca_bundle = None
        for name in CA_BUNDLE_ENV:
            value = env.get(name)
            if value:
                if not os.path.isfile(value):
                    raise BadInput(f"{name}={value!r} is not a file; point it at a PEM bundle of trusted CAs")
                ca_bundle = value
                break
        backoff = cls.retry_backoff
        if env.get(ENV_RETRY_BACKOFF):
            try:
                backoff = max(0.0, float(env[ENV_RETRY_BACKOFF]))
            except ValueError:
                raise BadInput(f"{ENV_RETRY_BACKOFF}={env[ENV_RETRY_BACKOFF]!r} is not a number of seconds") from None
        return cls(arm_endpoint=endpoint, ca_bundle=ca_bundle, retry_backoff=backoff)


def normalise_endpoint(value: str, source: str = "--arm-endpoint") -> str:
    """`https://management.usgovcloudapi.net/` -> `https://management.usgovcloudapi.net`; https only."""
    parts = urlsplit(value.strip())
    if parts.scheme != "https" or not parts.netloc:
        raise BadInput(f"{source} {value!r} must be an https URL such as {PUBLIC_ARM_ENDPOINT} "
                       "(Azure SDKs refuse to send tokens over plain http)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise BadInput(f"{source} {value!r} must be the bare management endpoint, without path or query")
    return f"https://{parts.netloc.lower()}"
