"""`maas plan`: run the real Pulumi program in-process under Pulumi mocks — no CLI, no credentials,
no network — and report every resource it would declare, with its inputs, parent and dependencies,
checked by the same policy rules as the CrossGuard pack.

Why mocks and not a model of the program: the plan is the program's own output, so it cannot drift
from what `pulumi up` would do. Two things differ from a real run, on purpose:
- values only Azure knows (ids, URIs, keys) are filled with deterministic placeholders shaped like
  the real ones (keys are placeholders and are reported as secrets, never printed);
- provider aliases (old type names azure-native keeps for state migrations) are dropped: they do
  not change what is declared, and computing ~25 alias URNs per resource made planning 10x slower.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import string
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra.catalog import INFERENCE_HOST_SUFFIX
from infra.config import FleetConfig
from infra.fleet import FleetOutputs, build_fleet
from infra.naming import PLACEHOLDER_SUBSCRIPTION
from infra.resource_types import RESOURCE_TYPES
from policies.records import ResourceRecord, Severity, Violation
from policies.sources.documents import SECRET_SIG, SIG_KEY
from provisioning.camel_document import camel_document
from provisioning.capacity.violations import capacity_violations

PROJECT = "maas-fleet"
PLACEHOLDER_TENANT = "00000000-0000-0000-0000-00000000000a"
PLACEHOLDER_OBJECT = "00000000-0000-0000-0000-00000000000b"
SECRET_MARK = "[secret]"

@dataclass(frozen=True)
class PlannedResource:
    type: str
    name: str
    parent: str | None
    depends_on: tuple[str, ...]
    inputs: Mapping[str, Any]  # secrets already replaced by SECRET_MARK
    secret_paths: tuple[str, ...]
    custom: bool
    protect: bool = False  # Pulumi's `protect` resource option

    def as_dict(self) -> dict[str, Any]:
        return camel_document(self, omit=("custom",), keys={"secret_paths": "secretInputs"})

    def record(self) -> ResourceRecord:
        return ResourceRecord(
            type=self.type,
            name=self.name,
            properties=self.inputs,
            dependencies=self.depends_on,
            secret_paths=self.secret_paths,
            parent=self.parent,
            protected=self.protect,
        )


@dataclass
class PlanResult:
    stack: str
    config: FleetConfig
    resources: list[PlannedResource]
    violations: list[Violation]
    outputs: dict[str, Any] = field(default_factory=dict)  # resolved stack outputs, secrets masked
    secret_outputs: tuple[str, ...] = ()  # dotted paths of outputs that are Pulumi secrets

    @property
    def mandatory_violations(self) -> list[Violation]:
        return [v for v in self.violations if v.severity is Severity.MANDATORY]

    def of_type(self, suffix: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type.endswith(suffix)]

    def dependency_depth(self) -> int:
        """The longest dependsOn chain: it bounds how long `pulumi up` waits on itself, and must not
        grow with regions, projects or models (each unit is independent of the others)."""
        deps = {r.name: set(r.depends_on) for r in self.resources}
        memo: dict[str, int] = {}

        def depth(name: str) -> int:
            if name not in memo:
                memo[name] = 1 + max((depth(d) for d in deps.get(name, ()) if d in deps), default=0)
            return memo[name]

        return max((depth(n) for n in deps), default=0)

    def summary(self) -> dict[str, int]:
        return {
            "resources": sum(1 for r in self.resources if r.custom),
            "endpoints": len(self.of_type(":ServerlessEndpoint")),
            "regions": len(self.config.regions),
            "violations": len(self.violations),
        }

    def to_json(self) -> dict[str, Any]:
        """The `maas plan --format json` document (docs/architecture.md, Contracts), plus an `access` digest."""
        from provisioning.plan.access import access_digest
        from provisioning.plan.budget import plan_budget

        document = {
            "stack": self.stack,
            "resources": [r.as_dict() for r in self.resources],
            "violations": [
                {"policy": v.policy, "severity": str(v.severity), "resource": v.resource, "message": v.message,
                 "fix": v.fix}
                for v in self.violations
            ],
            "access": access_digest(self),
            "summary": self.summary(),
        }
        budget = plan_budget(self.config)
        if budget is not None:  # only with maas-fleet:budget: the documented shape stays as it was without
            document["budget"] = budget
        return document


# --------------------------------------------------------------------------------------------------
# Mocks: what Azure would answer, deterministically
# --------------------------------------------------------------------------------------------------


def _unwrap_secrets(value: Any, path: str, found: list[str]) -> Any:
    """Return `value` with Pulumi secret wrappers removed, collecting the dotted paths of secrets."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            found.append(path)
            return _unwrap_secrets(value.get("value"), path, [])
        return {k: _unwrap_secrets(v, f"{path}.{k}" if path else k, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


def _mask_paths(value: Any, paths: Sequence[str], path: str = "") -> Any:
    if path in paths:
        return SECRET_MARK
    if isinstance(value, dict):
        return {k: _mask_paths(v, paths, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_paths(v, paths, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _placeholder_guid(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"


def _five_letters(name: str) -> str:
    digest = hashlib.sha256(name.encode()).digest()
    return "".join(string.ascii_lowercase[b % 26] for b in digest[:5])


class PlanMocks(pulumi.runtime.Mocks):
    """Echo inputs back as state and add the outputs the program reads, shaped like ARM's."""

    def __init__(self, subscription_id: str) -> None:
        self.subscription_id = subscription_id
        self.inputs: dict[tuple[str, str], tuple[dict[str, Any], list[str]]] = {}
        self._lock = threading.Lock()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        secrets: list[str] = []
        # A dynamic resource carries its pickled provider as an input: code, not something declared.
        inputs = _unwrap_secrets({k: v for k, v in args.inputs.items() if k != "__provider"}, "", secrets)
        with self._lock:
            self.inputs[(args.typ, args.name)] = (inputs, secrets)
        if args.typ.startswith("maas-fleet:"):
            return None, {}
        state = dict(inputs)
        kind = RESOURCE_TYPES.get(args.typ)
        if kind is None or not kind.id_template:
            return f"{args.name}-id", state
        name = str(inputs.get(kind.name_input) or args.name)
        arm_id = kind.arm_id(self.subscription_id, name, inputs)
        state["name"] = name
        props = dict(state.get("properties") or {})
        if args.typ.endswith(":Vault"):
            props["vaultUri"] = f"https://{name}.vault.azure.net/"
        elif args.typ.endswith(":Secret"):
            vault_uri = f"https://{inputs.get('vaultName')}.vault.azure.net"
            props.update(secretUri=f"{vault_uri}/secrets/{name}",
                         secretUriWithVersion=f"{vault_uri}/secrets/{name}/{_five_letters(arm_id)}")
        elif args.typ.endswith(":ServerlessEndpoint"):
            host = f"{name}-{_five_letters(arm_id)}.{inputs.get('location')}.{INFERENCE_HOST_SUFFIX}"
            props.update(
                inferenceEndpoint={"uri": f"https://{host}", "headers": {}},
                provisioningState="Succeeded",
                endpointState="Online",
            )
        if args.typ.endswith("machinelearningservices:Workspace") and isinstance(state.get("identity"), dict):
            # ARM answers a system identity with its object id; a stable placeholder per workspace.
            state["identity"] = {**state["identity"], "principalId": _placeholder_guid(arm_id),
                                 "tenantId": PLACEHOLDER_TENANT}
        if props:
            state["properties"] = props
        return arm_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": PLACEHOLDER_OBJECT,
                "objectId": PLACEHOLDER_OBJECT,
                "subscriptionId": self.subscription_id,
                "tenantId": PLACEHOLDER_TENANT,
            }
        if args.token == "azure-native:machinelearningservices:listServerlessEndpointKeys":
            # Placeholders, never real keys; the program wraps them as secrets and the plan masks them.
            return {"primaryKey": f"planned-primary-key-{args.args.get('name')}",
                    "secondaryKey": f"planned-secondary-key-{args.args.get('name')}"}
        return {}


@dataclass
class _Registration:
    type: str
    name: str
    parent_urn: str
    dependency_urns: tuple[str, ...]
    custom: bool
    protect: bool = False


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Mock monitor that remembers type, parent and dependencies: `MockResourceArgs` carries neither."""

    def __init__(self, mocks: PlanMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[_Registration] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        if request.type != "pulumi:pulumi:Stack":
            with self._lock:
                self.registrations.append(
                    _Registration(request.type, request.name, request.parent, tuple(request.dependencies),
                                  bool(request.custom), bool(request.protect))
                )
        return super().RegisterResource(request)


def _drop_aliases(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
    opts = args.opts._copy()
    opts.aliases = None
    return pulumi.ResourceTransformationResult(args.props, opts)


def _urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _is_stack(urn: str) -> bool:
    """True for no parent or the root stack (`urn:pulumi:stack::project::[parents$]type::name`)."""
    parts = urn.split("::")
    return len(parts) < 4 or parts[2].rsplit("$", 1)[-1] == "pulumi:pulumi:Stack"


# --------------------------------------------------------------------------------------------------
# Running the program
# --------------------------------------------------------------------------------------------------

_RUN_LOCK = threading.Lock()  # Pulumi's runtime settings are process-global


def _ensure_event_loop() -> None:
    """Pulumi's runtime calls `asyncio.get_event_loop()`, which raises once some earlier code (an
    `asyncio.run`, an async test) closed the thread's loop; give it a usable loop in that case."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            loop = None
    if loop is None or loop.is_closed():
        asyncio.set_event_loop(asyncio.new_event_loop())


def run_program(
    program: Callable[[], Any], stack: str, subscription_id: str = PLACEHOLDER_SUBSCRIPTION
) -> tuple[list[PlannedResource], Any]:
    """Run `program` under recording mocks; return the registered resources and its resolved result."""
    with _RUN_LOCK:
        _ensure_event_loop()
        mocks = PlanMocks(subscription_id)
        monitor = RecordingMonitor(mocks)
        pulumi_settings.ROOT.set(None)
        pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
        pulumi.runtime.register_stack_transformation(_drop_aliases)
        settings = pulumi_settings.SETTINGS
        settings.rpc_manager.clear()
        settings.outputs.clear()
        result: dict[str, Any] = {}

        def body() -> None:
            value = program()
            result["value"] = _sync_await(_resolve(value))

        # Thousands of short-lived Outputs and futures: the cyclic collector would rescan the growing
        # heap again and again (superlinear); reference counting frees them, collect once at the end.
        gc.disable()
        try:
            _sync_await(run_pulumi_func(body))
        finally:
            gc.enable()

    resources = []
    for reg in monitor.registrations:
        inputs, secrets = mocks.inputs.get((reg.type, reg.name), ({}, []))
        resources.append(
            PlannedResource(
                type=reg.type,
                name=reg.name,
                parent=None if _is_stack(reg.parent_urn) else _urn_name(reg.parent_urn),
                # Sorted: the SDK gathers dependencies in a set, whose order changes from run to run.
                depends_on=tuple(sorted({_urn_name(u) for u in reg.dependency_urns})),
                inputs=_mask_paths(inputs, secrets),
                secret_paths=tuple(secrets),
                custom=reg.custom,
                protect=reg.protect,
            )
        )
    resources.sort(key=lambda r: r.name)  # registration order is async; the plan must not be
    return resources, result.get("value")


async def _resolve(value: Any) -> Any:
    """Await nested Outputs; a secret becomes SECRET_MARK (its value is never kept)."""
    if isinstance(value, pulumi.Output):
        resolved = await value.future()
        return SECRET_MARK if await value.is_secret() else await _resolve(resolved)
    if isinstance(value, dict):
        keys = list(value)
        return dict(zip(keys, await asyncio.gather(*(_resolve(value[k]) for k in keys)), strict=True))
    if isinstance(value, list | tuple):
        return list(await asyncio.gather(*(_resolve(v) for v in value)))
    return value


def plan(config: FleetConfig, evaluate: Callable[[Sequence[ResourceRecord]], list[Violation]] | None = None
         ) -> PlanResult:
    """Plan the fleet for `config` and apply the policy rules to what it would declare."""
    if evaluate is None:
        from policies.rules import evaluate as evaluate_rules

        evaluate = evaluate_rules
    secret_outputs: list[str] = []

    def program() -> Any:
        outputs: FleetOutputs = build_fleet(config)
        return {"endpoints": outputs.endpoints, "workspaces": outputs.workspaces,
                "roleDefinitions": outputs.role_definitions}

    resources, raw_outputs = run_program(program, config.stack, config.subscription_id or PLACEHOLDER_SUBSCRIPTION)
    outputs = _find_secret_outputs(raw_outputs, secret_outputs)
    # The stack itself is a record too: the keys-only-as-secrets rule reads its outputs.
    stack_record = ResourceRecord(type="pulumi:pulumi:Stack", name=f"{PROJECT}-{config.stack}", properties=outputs,
                                  secret_paths=tuple(secret_outputs))
    violations = evaluate([*(r.record() for r in resources), stack_record])
    violations = [*violations, *capacity_violations(config)]  # the target lives in config, not in records
    return PlanResult(config.stack, config, resources, list(violations), outputs, tuple(secret_outputs))


def _find_secret_outputs(value: Any, found: list[str], path: str = "") -> Any:
    if value == SECRET_MARK:
        found.append(path)
    elif isinstance(value, dict):
        for k, v in value.items():
            _find_secret_outputs(v, found, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _find_secret_outputs(v, found, f"{path}[{i}]")
    return value
