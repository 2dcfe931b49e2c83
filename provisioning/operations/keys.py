"""`maas keys show|rotate`: endpoint keys, masked by default, rotated without breaking consumers.

Consumers read the endpoint key from the Key Vault secret the program created
(`Namer.key_secret(endpoint)` in the workspace's vault), and the program stores the primary key.
Rotating the key consumers hold would cut them off until they re-read the vault, so that rotation
is done in two steps: regenerate the other key and point the vault at it, (optionally wait for
consumers to refresh), regenerate the requested key, and leave the vault on the fresh primary —
what the next `pulumi up` writes anyway, so there is no drift. Everything that could stop the
rotation half-way (endpoint, workspace, vault secret, permissions) is checked before the first
change.

Regeneration goes through the REST call with only `keyType`: azure-ai-ml's
`begin_regenerate_keys` sends the *current* key as `keyValue`, which the API defines as "the value
the key is set to" — a rotation that may not rotate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from pydantic import SecretStr

from infra.catalog import KEY_ROTATION_ACTIONS, KEY_VAULT_SECRET_WRITE
from infra.naming import Namer
from provisioning.azure.arm import ArmId, endpoint_scope, workspace_scope
from provisioning.azure.errors import ArmError
from provisioning.azure.permissions import PermissionEntry, how_to_grant, missing
from provisioning.azure.polling import Poll, wait_for
from provisioning.azure.session import ApiVersion, AzureSession
from provisioning.errors import BadInput, ExitCode, MaasError
from provisioning.operations.endpoints import endpoint_keys
from provisioning.operations.key_status import fresh_key_expiry
from provisioning.redact import REDACTOR, mask

# Tag on the vault secret saying which endpoint key it holds (absent: the primary, as the program stores).
KEY_TAG: Final = "maas-fleet-key"


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


def show_keys(session: AzureSession, ref: EndpointRef) -> Keys:
    primary, secondary = endpoint_keys(session, ref.subscription, ref.resource_group, ref.workspace, ref.name)
    return Keys(primary, secondary)


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


@dataclass
class Rotation:
    session: AzureSession
    ref: EndpointRef
    key: KeyKind | None = None
    both: bool = False
    timeout: float = 300.0
    grace: float = 0.0  # seconds between moving the vault and regenerating the key consumers held
    say: Callable[[str], None] = lambda _line: None
    # `{vault id}/secrets/{name}` where the program keeps this endpoint's key (from the plan); empty:
    # the workspace's own vault and Namer.key_secret(endpoint), for a single endpoint named by hand.
    secret_id: str = ""
    result: RotationResult = field(init=False)

    def __post_init__(self) -> None:
        if self.both and self.key is not None:
            raise BadInput("use either --key or --both, not both (--both rotates the secondary, then the primary)")
        if self.grace < 0 or self.timeout <= 0:
            raise BadInput("--grace must be >= 0 and --timeout > 0 seconds")
        self.result = RotationResult(self.ref, None)

    # ---------------------------------------------------------------- preconditions
    def prepare(self) -> None:
        arm = self.session.arm
        endpoint = arm.get(self.ref.id, ApiVersion.MACHINE_LEARNING, what=f"reading endpoint {self.ref.name}").body
        auth_mode = str(((endpoint or {}).get("properties") or {}).get("authMode") or "Key")
        if auth_mode.lower() != "key":
            raise RotationRefused(f"endpoint {self.ref.name} uses authMode {auth_mode}: it has no keys to rotate")
        workspace = arm.get(self.ref.workspace_id, ApiVersion.MACHINE_LEARNING,
                            what=f"reading workspace {self.ref.workspace}").body
        vault_id = str(((workspace or {}).get("properties") or {}).get("keyVault") or "")
        secret_name = Namer.key_secret(self.ref.name)
        # Where the plan says first, then the workspace's own vault (where stacks deployed before the keys
        # had a vault of their own keep them until their next `pulumi up`).
        places = [tuple(self.secret_id.rpartition("/secrets/")[::2])] if self.secret_id else []
        if vault_id and (vault_id.lower(), secret_name.lower()) not in [(v.lower(), n.lower()) for v, n in places]:
            places.append((vault_id, secret_name))
        if not places:
            self.result.warnings.append(f"workspace {self.ref.workspace} has no Key Vault; no secret to update")
        for place_vault, place_name in places:
            self.result.secret = self._read_secret(place_vault, place_name)
            if self.result.secret is not None:
                vault_id = place_vault
                break
        if places and self.result.secret is None:
            vault_id, secret_name = places[0]
            self.result.warnings.append(
                f"no Key Vault secret {secret_name} in {ArmId.parse(vault_id).name}: this endpoint was not "
                "deployed by maas-fleet, so only the endpoint's keys change")
        self._check_permissions(vault_id if self.result.secret else "")

    def _read_secret(self, vault_id: str, name: str) -> VaultSecret | None:
        try:
            body = self.session.arm.get(f"{vault_id}/secrets/{name}", ApiVersion.KEY_VAULT,
                                        what=f"reading Key Vault secret {name}").body
        except ArmError as exc:
            if exc.not_found:
                return None
            raise
        tags = dict((body or {}).get("tags") or {})
        holds = KeyKind.SECONDARY if tags.get(KEY_TAG, "").lower() == KeyKind.SECONDARY else KeyKind.PRIMARY
        props = (body or {}).get("properties") or {}
        version = str(props.get("secretUriWithVersion") or "").rsplit("/", 1)[-1]
        return VaultSecret(f"{vault_id}/secrets/{name}", name, holds, str(props.get("contentType") or ""), tags,
                           version)

    def _check_permissions(self, vault_id: str) -> None:
        needs: list[tuple[str, tuple[str, ...]]] = [(self.ref.id, KEY_ROTATION_ACTIONS)]
        if vault_id:
            needs.append((vault_id, (KEY_VAULT_SECRET_WRITE,)))
        problems = []
        for scope, actions in needs:
            try:
                items = self.session.arm.list(f"{scope}/providers/Microsoft.Authorization/permissions",
                                              ApiVersion.AUTHORIZATION, what=f"reading your permissions at {scope}")
                entries = [PermissionEntry.from_arm(i) for i in items]
            except ArmError as exc:
                if exc.exit_code == ExitCode.BAD_INPUT:
                    raise
                self.result.warnings.append(f"could not pre-check permissions at {scope}: {exc}")
                continue
            lacking = missing(entries, actions)
            if lacking:
                problems.append(f"missing {', '.join(lacking)} at {scope} -> {how_to_grant(lacking)}")
        if problems:
            raise RotationRefused([f"key rotation of {self.ref.name} refused, nothing changed:", *problems])

    # ---------------------------------------------------------------- the rotation
    def plan(self) -> list[tuple[str, KeyKind]]:
        """Ordered (action, key) pairs; action is regenerate | store | wait."""
        secret = self.result.secret
        if secret is None:
            kinds = [KeyKind.SECONDARY, KeyKind.PRIMARY] if self.both else [self.key or KeyKind.PRIMARY]
            return [("regenerate", k) for k in kinds]
        in_use = secret.holds
        wanted = self.key or KeyKind.PRIMARY
        if self.both or wanted is in_use:
            if not self.both:
                self.result.warnings.append(
                    f"consumers use the {in_use} key (Key Vault secret {secret.name}); rotating the {in_use.other} "
                    f"first and moving the vault to it, then the {in_use} (--both does this without the warning)")
            steps = [("regenerate", in_use.other), ("store", in_use.other)]
            if self.grace:
                steps.append(("wait", in_use))
            steps.append(("regenerate", in_use))
            if in_use is KeyKind.PRIMARY:
                steps.append(("store", KeyKind.PRIMARY))
            return steps
        steps = [("regenerate", wanted)]
        if wanted is KeyKind.PRIMARY:  # the vault held the secondary: move it back to the fresh primary
            steps.append(("store", KeyKind.PRIMARY))
        return steps

    def run(self) -> RotationResult:
        self.prepare()
        plan = self.plan()
        for warning in self.result.warnings:
            self.say(f"warning: {warning}")
        keys: Keys | None = None
        try:
            for action, kind in plan:
                if action == "regenerate":
                    keys = self._regenerate(kind)
                    self.result.keys = keys
                    self._step("regenerate", kind, f"new {kind} key {mask(keys.get(kind))}")
                elif action == "store":
                    assert keys is not None
                    self._store(kind, keys.get(kind))
                else:
                    self._grace()
        except MaasError as exc:
            if not self.result.steps:
                raise
            raise self._half_done(exc) from None
        return self.result

    def _half_done(self, exc: MaasError) -> MaasError:
        """Say exactly where a rotation stopped: which keys are new and which key the vault holds."""
        done = "; ".join(f"{s.action} {s.key}".strip() for s in self.result.steps)
        secret = self.result.secret
        where = (f"Key Vault secret {secret.name} holds the {secret.holds} key, which is valid" if secret
                 else "no Key Vault secret involved")
        failure = RotationRefused([*exc.lines(), f"rotation stopped after: {done}; {where}; rerun to finish"])
        failure.exit_code = exc.exit_code
        return failure

    def _step(self, action: str, kind: KeyKind | str, detail: str) -> None:
        self.result.steps.append(Step(action, str(kind), detail))
        self.say(f"{action} {kind}: {detail}")

    def _regenerate(self, kind: KeyKind) -> Keys:
        arm = self.session.arm
        what = f"regenerating the {kind} key of endpoint {self.ref.name}"
        answer = arm.post(f"{self.ref.id}/regenerateKeys", ApiVersion.MACHINE_LEARNING, {"keyType": kind.wire},
                          what=what)
        keys = Keys.from_body(answer.body)
        if answer.status == 202:
            final = arm.wait(answer, method="POST", what=what, timeout=self.timeout)
            keys = Keys.from_body(final.body) if final is not None else None
        if keys is None:  # the operation's result carried no keys: read them
            listed = arm.post(f"{self.ref.id}/listKeys", ApiVersion.MACHINE_LEARNING, what=f"reading the keys of "
                              f"endpoint {self.ref.name}", ok=(200,))
            keys = Keys.from_body(listed.body)
        if keys is None:
            raise ArmError(what, None, "NoKeys", "the endpoint returned no keys", "check the endpoint in the portal")
        return keys

    def _store(self, kind: KeyKind, value: str) -> None:
        secret = self.result.secret
        assert secret is not None
        # A new secret version carries only the attributes sent: stamp the fresh key's full lifetime.
        properties: dict[str, Any] = {"value": value, "attributes": {"exp": fresh_key_expiry()}}
        if secret.content_type:
            properties["contentType"] = secret.content_type
        tags = {**secret.tags, KEY_TAG: str(kind)}
        answer = self.session.arm.put(secret.id, ApiVersion.KEY_VAULT, {"properties": properties, "tags": tags},
                                      what=f"updating Key Vault secret {secret.name}", ok=(200, 201))
        props = (answer.body or {}).get("properties") or {}
        secret.version = str(props.get("secretUriWithVersion") or "").rsplit("/", 1)[-1]
        secret.holds, secret.tags = kind, tags
        self._step("key-vault", kind, f"secret {secret.name} now holds the {kind} key"
                   + (f" (version {secret.version})" if secret.version else ""))

    def _grace(self) -> None:
        start = time.monotonic()

        def check() -> Poll[None]:
            left = self.grace - (time.monotonic() - start)
            return Poll(left <= 0, None, f"{max(left, 0):.0f} s left", retry_after=min(max(left, 0.0), 1.0))

        wait_for(check, "waiting for consumers to re-read Key Vault", self.grace + 5)
        self._step("wait", "", f"gave consumers {self.grace:g} s to pick up the new key")


def rotate_keys(session: AzureSession, ref: EndpointRef, *, key: KeyKind | None = None, both: bool = False,
                timeout: float = 300.0, grace: float = 0.0,
                say: Callable[[str], None] = lambda _line: None) -> RotationResult:
    return Rotation(session, ref, key, both, timeout, grace, say).run()
