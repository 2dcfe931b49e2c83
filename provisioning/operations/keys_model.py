"""The vocabulary of key rotation: which key, which endpoint, the keys themselves, the steps taken and
the result, the errors a rotation ends with, and the timing defaults. Apart from the rotation itself
(keys.py) so that rotate-all, the commands and the renderers share it without importing the engine."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from pydantic import SecretStr

from provisioning.azure.resource_ids import endpoint_scope, workspace_scope
from provisioning.errors import BadInput, ExitCode, MaasError
from provisioning.redact import REDACTOR, mask

# Tag on the vault secret saying which endpoint key it holds (absent: the primary, as the program stores).
KEY_TAG: Final = "maas-fleet-key"

# Consumers read the endpoint key from the Key Vault secret and must re-read it at least this often
# (the README's consumer contract; the Secrets Store CSI driver polls every 2 minutes by default).
CONSUMER_REFRESH_S: Final = 300.0
# The default pause between moving the vault to the other key and regenerating the key consumers held:
# one full refresh interval plus a minute for clocks and in-flight requests.
DEFAULT_GRACE_S: Final = CONSUMER_REFRESH_S + 60.0
DEFAULT_TIMEOUT_S: Final = 300.0
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?")


def parse_duration(text: str, option: str = "--grace") -> float:
    """`600`, `90s`, `10m`, `1h`, `1h30m` -> seconds; BadInput otherwise."""
    value = text.strip().lower()
    match = _DURATION.fullmatch(value) if value else None
    if match is None or not any(match.groups()):
        raise BadInput(f"{option} {text!r} is not a duration (seconds, or e.g. 90s, 10m, 1h, 1h30m)")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


class RotationTimeout(MaasError):
    """The rotation's deadline (--timeout) passed before its Azure calls were done."""

    exit_code = ExitCode.FAILED


class RotationInterrupted(MaasError):
    """Ctrl-C (or SIGTERM turned into KeyboardInterrupt) stopped the rotation."""

    exit_code = ExitCode.FAILED


class KeyKind(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"

    @property
    def wire(self) -> str:
        return self.value.capitalize()

    @property
    def other(self) -> KeyKind:
        return KeyKind.SECONDARY if self is KeyKind.PRIMARY else KeyKind.PRIMARY


@dataclass(frozen=True)
class EndpointRef:
    subscription: str
    resource_group: str
    workspace: str
    name: str

    @property
    def id(self) -> str:
        return endpoint_scope(self.subscription, self.resource_group, self.workspace, self.name)

    @property
    def workspace_id(self) -> str:
        return workspace_scope(self.subscription, self.resource_group, self.workspace)


@dataclass(frozen=True)
class Keys:
    primary: SecretStr
    secondary: SecretStr

    def get(self, kind: KeyKind) -> str:
        return (self.primary if kind is KeyKind.PRIMARY else self.secondary).get_secret_value()

    @classmethod
    def from_body(cls, body: Any) -> Keys | None:
        if not isinstance(body, Mapping) or not body.get("primaryKey") or not body.get("secondaryKey"):
            return None
        primary, secondary = str(body["primaryKey"]), str(body["secondaryKey"])
        REDACTOR.add(primary)
        REDACTOR.add(secondary)
        return cls(SecretStr(primary), SecretStr(secondary))


class RotationRefused(MaasError):
    """A precondition failed; nothing was changed."""

    exit_code = ExitCode.FAILED


@dataclass
class VaultSecret:
    id: str
    name: str
    holds: KeyKind
    content_type: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    version: str = ""


@dataclass
class Step:
    action: str  # regenerate | key-vault | wait
    key: str
    detail: str

    def document(self) -> dict[str, str]:
        return {"action": self.action, "key": self.key, "detail": self.detail}


@dataclass
class RotationResult:
    endpoint: EndpointRef
    secret: VaultSecret | None
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    keys: Keys | None = None

    def document(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint.name,
            "resourceGroup": self.endpoint.resource_group,
            "workspace": self.endpoint.workspace,
            "keyVaultSecret": ({"id": self.secret.id, "holds": str(self.secret.holds), "version": self.secret.version}
                               if self.secret else None),
            "steps": [s.document() for s in self.steps],
            "warnings": self.warnings,
            "primaryKey": mask(self.keys.primary.get_secret_value()) if self.keys else "",
            "secondaryKey": mask(self.keys.secondary.get_secret_value()) if self.keys else "",
        }

    def aftermath(self) -> list[str]:
        """What a rotation leaves stale, for the person who ran it.

        The stack output `endpoints[].key` holds the primary key as of the last `pulumi up` (the
        program reads the keys on every up); regenerating the primary outdates it, and with it
        `maas verify --stack`, until the next up.
        """
        regenerated = {s.key for s in self.steps if s.action == "regenerate"}
        secret = self.secret
        if secret is None:
            lines = ["no Key Vault secret was updated (none exists for this endpoint)"]
        else:
            version = f" (version {secret.version})" if secret.version else ""
            lines = [f"Key Vault secret {secret.name} now holds the {secret.holds} key{version}, the one consumers "
                     "read"]
        if KeyKind.PRIMARY in regenerated:
            lines.append(
                f"the stack output endpoints[].key still holds the old primary key of {self.endpoint.name} until the "
                "next `pulumi up` refreshes it, so `maas verify --stack` fails auth until then; for an inventory "
                "with the current keys now: `maas endpoints --inventory-out FILE` then `maas verify --inventory FILE`")
        elif regenerated:
            lines.append("the stack output endpoints[].key holds the primary key, which did not change; stack outputs "
                         "refresh on the next `pulumi up` as always")
        return lines
