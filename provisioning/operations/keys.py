"""`maas keys show|rotate`: endpoint keys, masked by default, rotated without breaking consumers.

Consumers read the endpoint key from the Key Vault secret the program created
(`Namer.key_secret(endpoint)` in the unit's keys vault), and the program stores the primary key.
Rotating the key consumers hold would cut them off until they re-read the vault, so that rotation
is done in two steps: regenerate the other key and point the vault at it, (optionally wait for
consumers to refresh), regenerate the requested key, and leave the vault on the fresh primary —
what the next `pulumi up` writes anyway, so there is no drift. Everything that could stop the
rotation half-way (endpoint, workspace, vault secret, permissions) is checked before the first
change. The vocabulary (key kinds, endpoint refs, steps, results, errors, defaults) is in keys_model.py.

Regeneration goes through the REST call with only `keyType`: azure-ai-ml's
`begin_regenerate_keys` sends the *current* key as `keyValue`, which the API defines as "the value
the key is set to" — a rotation that may not rotate.

Three promises a person at a terminal (or a pipeline) relies on:
- every permission the rotation needs (catalog KEY_ROTATION_PERMISSIONS) is checked before the first
  call that needs it, so a missing one is a plan-level refusal, never a raw 403 half-way;
- `--regenerate-timeout` is a deadline for the whole rotation's Azure calls, retries and Retry-After pauses
  included (the grace wait is deliberate and not counted);
- an interrupted or failed rotation says which keys are new, which key the vault holds, and the
  command that finishes it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from infra.catalog import KEY_ROTATION_PERMISSIONS
from infra.naming import Namer
from provisioning.azure.arm import ArmResponse, ArmRest
from provisioning.azure.errors import ArmError
from provisioning.azure.permissions import PermissionEntry, how_to_grant, missing
from provisioning.azure.polling import Poll, WaitTimeout, wait_for
from provisioning.azure.resource_ids import ArmId
from provisioning.azure.session import ApiVersion, AzureSession
from provisioning.errors import BadInput, ExitCode, MaasError
from provisioning.operations.endpoints import endpoint_keys
from provisioning.operations.key_status import fresh_key_expiry
from provisioning.operations.keys_model import (
    DEFAULT_GRACE_S,
    DEFAULT_TIMEOUT_S,
    KEY_TAG,
    EndpointRef,
    KeyKind,
    Keys,
    RotationInterrupted,
    RotationRefused,
    RotationResult,
    RotationTimeout,
    Step,
    VaultSecret,
)
from provisioning.redact import mask

# Answers worth retrying inside the deadline (ARM throttling and transient gateway errors).
_TRANSIENT: Final = (429, 502, 503, 504)
# The rotation's clock and sleep (tests replace them: grace waits and Retry-After pauses in fake time).
_clock: Callable[[], float] = time.monotonic
_sleep: Callable[[float], None] = time.sleep


def show_keys(session: AzureSession, ref: EndpointRef) -> Keys:
    primary, secondary = endpoint_keys(session, ref.subscription, ref.resource_group, ref.workspace, ref.name)
    return Keys(primary, secondary)


@dataclass
class Rotation:
    session: AzureSession
    ref: EndpointRef
    key: KeyKind | None = None
    both: bool = False
    timeout: float = DEFAULT_TIMEOUT_S  # deadline for the Azure calls of the whole rotation
    grace: float = DEFAULT_GRACE_S  # seconds between moving the vault and regenerating the key consumers held
    say: Callable[[str], None] = lambda _line: None
    clock: Callable[[], float] | None = None  # None: the module's (tests replace those to fake time)
    sleep: Callable[[float], None] | None = None
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
        self._now: Callable[[], float] = self.clock or _clock
        self._pause: Callable[[float], None] = self.sleep or _sleep
        self._deadline = self._now() + self.timeout
        self._arm: ArmRest | None = None
        self._in_flight = ""  # the change being made when the rotation stopped, for the half-done line
        self._grace_until: float | None = None  # while waiting for consumers: when the wait ends

    # ---------------------------------------------------------------- Azure calls under the deadline
    @property
    def arm(self) -> ArmRest:
        """An ARM pipeline of our own without azure-core's retries: they honour Retry-After with no
        upper bound, so three 429s with `Retry-After: 10` cost 30 s whatever --timeout says. Transient
        answers are retried here, only while the deadline allows, and connections time out with it."""
        if self._arm is None:
            settings = dataclasses.replace(
                self.session.settings, retry_total=0,
                connection_timeout=min(self.session.settings.connection_timeout, self.timeout),
                read_timeout=min(self.session.settings.read_timeout, self.timeout))
            self._arm = ArmRest(settings, self.session.credential)
        return self._arm

    def close(self) -> None:
        if self._arm is not None:
            self._arm.close()
            self._arm = None

    def _left(self) -> float:
        return self._deadline - self._now()

    def _call(self, method: str, path: str, *, what: str, body: Any = None,
              ok: tuple[int, ...] = (200,)) -> ArmResponse:
        """One ARM call; transient answers retried after Retry-After (or a short backoff) while that
        pause still ends before the deadline, else RotationTimeout."""
        delay = 1.0
        while True:
            if self._left() <= 0:
                self._in_flight = ""  # not sent
                raise self._timed_out(what)
            answer = self.arm.request(method, path, what=what, api_version=self._api(path), body=body,
                                      ok=(*ok, *_TRANSIENT))
            if answer.status not in _TRANSIENT or answer.status in ok:
                return answer
            pause = answer.retry_after if answer.retry_after is not None else delay
            if pause >= self._left():
                self._in_flight = ""  # Azure refused this call: it is not in flight
                raise self._timed_out(what, f"HTTP {answer.status}, Azure asked to retry after {pause:g} s")
            self._pause(pause)
            delay = min(delay * 2, 30.0)

    @staticmethod
    def _api(path: str) -> str:
        return ApiVersion.KEY_VAULT if "/providers/microsoft.keyvault/" in path.lower() else (
            ApiVersion.AUTHORIZATION if "/providers/microsoft.authorization/" in path.lower()
            else ApiVersion.MACHINE_LEARNING)

    def _timed_out(self, what: str, why: str = "") -> RotationTimeout:
        because = f" ({why})" if why else ""
        return RotationTimeout(f"{what}: not done within --regenerate-timeout {self.timeout:g} s{because} -> "
                               "raise --regenerate-timeout, or run again when Azure is less busy")

    # ---------------------------------------------------------------- preconditions
    def prepare(self) -> None:
        """Permissions first, then the reads they allow, then the vault's permissions, then its secret:
        nothing is called before the permission it needs is known to be held."""
        scopes = {"workspace": self.ref.workspace_id, "endpoint": self.ref.id}
        problems = [p for name, scope in scopes.items() for p in self._lacking(scope, KEY_ROTATION_PERMISSIONS[name])]
        if any(self.ref.workspace_id in p for p in problems):
            raise self._refused(problems)  # without reading the workspace there is no vault to check
        workspace = self._call("GET", self.ref.workspace_id, what=f"reading workspace {self.ref.workspace}").body
        vault_id = str(((workspace or {}).get("properties") or {}).get("keyVault") or "")
        secret_name = Namer.key_secret(self.ref.name)
        # Where the plan says first, then the workspace's own vault (where stacks deployed before the keys
        # had a vault of their own keep them until their next `pulumi up`).
        places = [tuple(self.secret_id.rpartition("/secrets/")[::2])] if self.secret_id else []
        if vault_id and (vault_id.lower(), secret_name.lower()) not in [(v.lower(), n.lower()) for v, n in places]:
            places.append((vault_id, secret_name))
        vault_actions = KEY_ROTATION_PERMISSIONS["keys vault"]
        read_secret, write_secret = vault_actions[0], vault_actions[1:]
        if problems:
            raise self._refused(problems)
        if not places:
            self.result.warnings.append(f"workspace {self.ref.workspace} has no Key Vault; no secret to update")
        for place_vault, place_name in places:
            vault_entries = self._permissions(place_vault)
            if vault_entries is not None and missing(vault_entries, (read_secret,)):
                raise self._refused([self._missing_line(place_vault, [read_secret,
                                                                      *missing(vault_entries, write_secret)])])
            self.result.secret = self._read_secret(place_vault, place_name)
            if self.result.secret is not None:
                if vault_entries is not None and missing(vault_entries, write_secret):
                    raise self._refused([self._missing_line(place_vault, missing(vault_entries, write_secret))])
                break
        if places and self.result.secret is None:
            self.result.warnings.append(
                f"no Key Vault secret {places[0][1]} in {ArmId.parse(places[0][0]).name}: this endpoint was not "
                "deployed by maas-fleet, so only the endpoint's keys change")
        endpoint = self._call("GET", self.ref.id, what=f"reading endpoint {self.ref.name}").body
        auth_mode = str(((endpoint or {}).get("properties") or {}).get("authMode") or "Key")
        if auth_mode.lower() != "key":
            raise RotationRefused(f"endpoint {self.ref.name} uses authMode {auth_mode}: it has no keys to rotate")

    def _read_secret(self, vault_id: str, name: str) -> VaultSecret | None:
        try:
            body = self._call("GET", f"{vault_id}/secrets/{name}", what=f"reading Key Vault secret {name}").body
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

    def _permissions(self, scope: str) -> list[PermissionEntry] | None:
        """The caller's permissions at `scope` (None, with a warning, when Azure will not say)."""
        try:
            items = self.arm.list(f"{scope}/providers/Microsoft.Authorization/permissions",
                                  ApiVersion.AUTHORIZATION, what=f"reading your permissions at {scope}")
            return [PermissionEntry.from_arm(i) for i in items]
        except ArmError as exc:
            if exc.exit_code == ExitCode.BAD_INPUT:
                raise
            self.result.warnings.append(f"could not pre-check permissions at {scope}: {exc}")
            return None

    def _lacking(self, scope: str, actions: tuple[str, ...]) -> list[str]:
        entries = self._permissions(scope)
        lacking = missing(entries, actions) if entries is not None else []
        return [self._missing_line(scope, lacking)] if lacking else []

    @staticmethod
    def _missing_line(scope: str, lacking: list[str]) -> str:
        return f"missing {', '.join(lacking)} at {scope} -> {how_to_grant(lacking)}"

    def _refused(self, problems: list[str]) -> RotationRefused:
        return RotationRefused([
            f"key rotation of {self.ref.name} refused, nothing changed:", *problems,
            "(or assign the key rotator role of the README's access model: exactly what rotation needs)"])

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
        try:
            return self._run()
        finally:
            self.close()

    def _run(self) -> RotationResult:
        try:
            self.prepare()
        except KeyboardInterrupt:
            raise RotationInterrupted(f"key rotation of {self.ref.name} interrupted before any change; nothing "
                                      "changed") from None
        plan = self.plan()
        for warning in self.result.warnings:
            self.say(f"warning: {warning}")
        keys: Keys | None = None
        try:
            for action, kind in plan:
                if action == "regenerate":
                    self._in_flight = f"regenerating the {kind} key"
                    keys = self._regenerate(kind)
                    self.result.keys = keys
                    self._step("regenerate", kind, f"new {kind} key {mask(keys.get(kind))}")
                elif action == "store":
                    assert keys is not None
                    self._in_flight = f"moving Key Vault to the {kind} key"
                    self._store(kind, keys.get(kind))
                else:
                    self._in_flight = ""
                    self._grace()
                self._in_flight = ""
        except KeyboardInterrupt:
            raise self._half_done(RotationInterrupted("interrupted (Ctrl-C)")) from None
        except (MaasError, WaitTimeout) as exc:
            if isinstance(exc, WaitTimeout):
                exc = self._timed_out(exc.description)
            elif isinstance(exc, ArmError) and exc.status is not None:
                self._in_flight = ""  # Azure answered with an error: that change did not happen
            if not self.result.steps and not self._in_flight:
                raise exc from None
            raise self._half_done(exc) from None
        return self.result

    def finishing_command(self) -> str:
        """The command that completes a rotation stopped now, from the state it left behind."""
        ref = self.ref
        base = (f"maas keys rotate {ref.name} --resource-group {ref.resource_group} --workspace {ref.workspace} "
                f"--subscription {ref.subscription}")
        secret = self.result.secret
        if secret is not None and secret.holds is KeyKind.SECONDARY:
            # Consumers are on the fresh secondary: what is left is the primary and the vault's move back.
            return f"{base} --key primary"
        if self.both:
            return f"{base} --both"
        return base + (f" --key {self.key}" if self.key else "")

    def _half_done(self, exc: MaasError) -> MaasError:
        """Say exactly where a rotation stopped: which keys are new, which key the vault holds, what was
        in flight (it may still complete on Azure's side) and the command that finishes the job."""
        done = "; ".join(f"{s.action} {s.key}".strip() for s in self.result.steps) or "nothing"
        secret = self.result.secret
        where = (f"Key Vault secret {secret.name} holds the {secret.holds} key, which is valid" if secret
                 else "no Key Vault secret involved")
        lines = [*exc.lines(), f"rotation stopped after: {done}; {where}"]
        if self._in_flight:
            lines.append(f"in flight when it stopped: {self._in_flight} (it may still complete on Azure's side)")
        finish = f"to finish: {self.finishing_command()}"
        grace_left = self._grace_until - self._now() if self._grace_until is not None else 0.0
        if grace_left > 0:
            finish += (f" (consumers may hold the old key for up to {grace_left:.0f} s more: run it after "
                       "that, or they are cut off)")
        lines.append(finish)
        failure = RotationRefused(lines)
        failure.exit_code = exc.exit_code
        return failure

    def _step(self, action: str, kind: KeyKind | str, detail: str) -> None:
        self.result.steps.append(Step(action, str(kind), detail))
        self.say(f"{action} {kind}: {detail}")

    def _regenerate(self, kind: KeyKind) -> Keys:
        what = f"regenerating the {kind} key of endpoint {self.ref.name}"
        answer = self._call("POST", f"{self.ref.id}/regenerateKeys", body={"keyType": kind.wire}, what=what,
                            ok=(200, 202))
        keys = Keys.from_body(answer.body)
        if answer.status == 202:
            if self._left() <= 0:
                raise self._timed_out(what)
            final = self.arm.wait(answer, method="POST", what=what, timeout=self._left())
            keys = Keys.from_body(final.body) if final is not None else None
        if keys is None:  # the operation's result carried no keys: read them
            listed = self._call("POST", f"{self.ref.id}/listKeys", what=f"reading the keys of endpoint {self.ref.name}")
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
        answer = self._call("PUT", secret.id, body={"properties": properties, "tags": tags},
                            what=f"updating Key Vault secret {secret.name}", ok=(200, 201))
        props = (answer.body or {}).get("properties") or {}
        secret.version = str(props.get("secretUriWithVersion") or "").rsplit("/", 1)[-1]
        secret.holds, secret.tags = kind, tags
        self._step("key-vault", kind, f"secret {secret.name} now holds the {kind} key"
                   + (f" (version {secret.version})" if secret.version else ""))

    def _grace(self) -> None:
        """Wait for consumers to re-read the vault; the deadline for Azure calls moves with the wait."""
        start = self._now()

        def check() -> Poll[None]:
            left = self.grace - (self._now() - start)
            return Poll(left <= 0, None, f"{max(left, 0):.0f} s left", retry_after=min(max(left, 0.0), 1.0))

        self._grace_until = start + self.grace
        wait_for(check, "waiting for consumers to re-read Key Vault", self.grace + 5, sleep=self._pause,
                 clock=self._now)
        self._grace_until = None
        self._deadline += self._now() - start
        self._step("wait", "", f"gave consumers {self.grace:g} s to pick up the new key")


def rotate_keys(session: AzureSession, ref: EndpointRef, *, key: KeyKind | None = None, both: bool = False,
                timeout: float = DEFAULT_TIMEOUT_S, grace: float = DEFAULT_GRACE_S,
                say: Callable[[str], None] = lambda _line: None) -> RotationResult:
    return Rotation(session, ref, key, both, timeout, grace, say).run()
