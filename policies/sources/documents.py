"""`pulumi stack export` and `pulumi preview --json` documents -> ResourceRecords for the rules.

Why: pipelines and audits meet stacks this project did not plan — deployed from another branch, edited
by hand, or owned by another team — and the only portable evidence of such a stack is its exported
state or a preview. Both documents are turned into the same ResourceRecords `maas plan` produces.

Formats (pulumi/pulumi: sdk/go/common/apitype/core.go, pkg/display/json.go, pkg/resource/stack):
- stack export: `{"version": 3|4, "deployment": {"manifest", "secrets_providers", "resources": [ResourceV3]}}`
  with ResourceV3 `{urn, custom, id, type, inputs, outputs, parent, dependencies, propertyDependencies,
  delete, external, pendingReplacement, ...}`; the backend's checkpoint file (`{"version", "checkpoint":
  {"latest": deployment}}`) is read the same way.
- preview: `{"config", "steps": [{"op", "urn", "provider", "oldState", "newState": ResourceV3, ...}],
  "diagnostics", "duration", "changeSummary"}`; secrets are blinded to the string `[secret]` and unknown
  values are the computed placeholder.
- secrets in state: `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  "ciphertext": ...}` or, after `--show-secrets`, `"plaintext": "<JSON text>"`.

Secret values are never kept in a message: a secret's path goes into `secret_paths`, its value is
decoded only when the document shows it in plaintext (and is
then handed to the caller's `on_secret`, which registers it for redaction).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Final

from infra.resource_types import STACK
from policies.props import format_path
from policies.records import ResourceRecord
from policies.state import inputs_from_outputs

SecretSink = Callable[[str], None]


class DocumentError(ValueError):
    """A malformed document: one line naming where and what (never a value from the document)."""


SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 (a signature, not a secret)
OUTPUT_VALUE_SIG: Final = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
RESOURCE_REFERENCE_SIG: Final = "5cf8f73096256a8f31e491e813e4eb8e"
FLOAT_SIG: Final = "8ad145fe-0d11-4827-bfd7-1abcbf086f5c"
COMPUTED: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # an unknown value in serialized state
BLINDED_SECRET: Final = "[secret]"  # noqa: S105 (how `pulumi preview --json` prints a secret)

EXPORT_VERSIONS: Final = (3, 4)
# Steps whose resource is going away or is not managed by the stack: their newState is not the stack.
_GONE_OPS: Final = frozenset(
    {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace", "read", "read-replacement"}
)


class DocumentKind(StrEnum):
    STACK_EXPORT = "stack-export"
    CHECKPOINT = "checkpoint"
    PREVIEW = "preview"


def load_document(
    document: Any, source: str, on_secret: SecretSink = lambda _: None
) -> tuple[DocumentKind, list[ResourceRecord], list[str]]:
    if not isinstance(document, Mapping):
        raise DocumentError(f"{source}: expected a JSON object, found {_json_type(document)}")
    if "deployment" in document and "version" in document:
        _check_version(document["version"], source)
        return DocumentKind.STACK_EXPORT, records_from_deployment(document["deployment"], source, on_secret), []
    if "checkpoint" in document and "version" in document:
        _check_version(document["version"], source)
        checkpoint = document["checkpoint"]
        latest = checkpoint.get("latest") if isinstance(checkpoint, Mapping) else None
        if latest is None:
            return DocumentKind.CHECKPOINT, [], ["the checkpoint holds no deployment yet"]
        return DocumentKind.CHECKPOINT, records_from_deployment(latest, f"{source}: checkpoint.latest", on_secret), []
    if "steps" in document or "changeSummary" in document:
        records, notes = records_from_preview(document, source, on_secret)
        return DocumentKind.PREVIEW, records, notes
    names = sorted(map(str, document))
    keys = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "") if names else "none"
    raise DocumentError(
        f"{source}: not a `pulumi stack export` document (with 'version' and 'deployment') nor a "
        f"`pulumi preview --json` document (with 'steps'); found keys: {keys}"
    )


def _check_version(version: Any, source: str) -> None:
    if version not in EXPORT_VERSIONS or isinstance(version, bool):
        raise DocumentError(
            f"{source}: version: {version!r} is not a deployment version maas can read "
            f"(supported: {', '.join(map(str, EXPORT_VERSIONS))}, what current Pulumi CLIs export)"
        )


# --------------------------------------------------------------------------------------------------
# Documents -> records
# --------------------------------------------------------------------------------------------------


def records_from_deployment(
    deployment: Any, source: str, on_secret: SecretSink = lambda _: None
) -> list[ResourceRecord]:
    if not isinstance(deployment, Mapping):
        raise DocumentError(f"{source}: deployment: expected an object, found {_json_type(deployment)}")
    resources = deployment.get("resources")
    resources = [] if resources is None else resources
    if not isinstance(resources, list):
        raise DocumentError(f"{source}: deployment.resources: expected a list, found {_json_type(resources)}")
    records: list[ResourceRecord] = []
    for index, resource in enumerate(resources):
        where = f"{source}: deployment.resources[{index}]"
        if isinstance(resource, Mapping) and (resource.get("delete") or resource.get("pendingReplacement")):
            continue  # state kept only until the engine finishes deleting it
        record = record_from_state(resource, where, blinded_secrets=False, on_secret=on_secret)
        if record is not None:
            records.append(record)
    return records


def records_from_preview(
    document: Mapping[str, Any], source: str, on_secret: SecretSink = lambda _: None
) -> tuple[list[ResourceRecord], list[str]]:
    steps = document.get("steps")
    steps = [] if steps is None else steps
    if not isinstance(steps, list):
        raise DocumentError(f"{source}: steps: expected a list, found {_json_type(steps)}")
    by_urn: dict[str, ResourceRecord] = {}
    ops: set[str] = set()
    for index, step in enumerate(steps):
        where = f"{source}: steps[{index}]"
        if not isinstance(step, Mapping):
            raise DocumentError(f"{where}: expected an object, found {_json_type(step)}")
        op, urn = step.get("op"), step.get("urn")
        if not isinstance(op, str) or not op:
            raise DocumentError(f"{where}: 'op' is missing or not a string")
        if not isinstance(urn, str) or not urn.startswith("urn:pulumi:"):
            raise DocumentError(f"{where}: 'urn' is missing or not a Pulumi URN")
        ops.add(op)
        if op in _GONE_OPS:
            by_urn.pop(urn, None)
            continue
        state = step.get("newState")
        if state is None:
            continue
        record = record_from_state(state, f"{where}.newState", blinded_secrets=True, on_secret=on_secret)
        if record is not None:
            by_urn[urn] = record  # a replacement lists one URN several times; the last state wins
    notes = []
    if by_urn and "same" not in ops:
        notes.append(
            "the preview lists no unchanged ('same') resources; if the stack already has some, run "
            "`pulumi preview --json --show-sames` so cross-resource rules see the whole stack"
        )
    return list(by_urn.values()), notes


def record_from_state(
    resource: Any, where: str, *, blinded_secrets: bool, on_secret: SecretSink = lambda _: None
) -> ResourceRecord | None:
    """A ResourceV3 as a record: inputs (or input-shaped outputs when a resource has no inputs);
    the stack's own outputs for `pulumi:pulumi:Stack`; None for providers and unmanaged resources."""
    if not isinstance(resource, Mapping):
        raise DocumentError(f"{where}: expected an object, found {_json_type(resource)}")
    urn, type_token = resource.get("urn"), resource.get("type")
    if not isinstance(urn, str) or not urn.startswith("urn:pulumi:"):
        raise DocumentError(f"{where}: 'urn' is missing or not a Pulumi URN")
    if not isinstance(type_token, str) or not type_token:
        raise DocumentError(f"{where}: 'type' is missing or not a string")
    if type_token.startswith("pulumi:providers:") or resource.get("external"):
        return None  # provider configuration (may hold credentials) and resources read, not managed
    decoder = _Decoder(blinded_secrets, on_secret)
    inputs, outputs = resource.get("inputs"), resource.get("outputs")
    for key, value in (("inputs", inputs), ("outputs", outputs)):
        if value is not None and not isinstance(value, Mapping):
            raise DocumentError(f"{where}: '{key}' must be an object, found {_json_type(value)}")
    if type_token == STACK:
        properties = decoder.properties(outputs or {})
    elif inputs:
        properties = decoder.properties(inputs)
    else:
        properties = inputs_from_outputs(type_token, decoder.properties(outputs or {}))
    parent = resource.get("parent")
    return ResourceRecord(
        type=type_token,
        name=logical_name(urn),
        properties=properties,
        dependencies=_dependencies(resource, where),
        secret_paths=tuple(decoder.secret_paths),
        parent=logical_name(parent) if isinstance(parent, str) and parent else None,
        urn=urn,
        unknown_paths=tuple(decoder.unknown_paths),
    )


def logical_name(urn: str) -> str:
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


def _dependencies(resource: Mapping[str, Any], where: str) -> tuple[str, ...]:
    urns: list[str] = []
    dependencies = resource.get("dependencies") or []
    if not isinstance(dependencies, list):
        raise DocumentError(f"{where}: 'dependencies' must be a list of URNs")
    urns.extend(d for d in dependencies if isinstance(d, str))
    property_dependencies = resource.get("propertyDependencies") or {}
    if not isinstance(property_dependencies, Mapping):
        raise DocumentError(f"{where}: 'propertyDependencies' must be an object")
    for deps in property_dependencies.values():
        if isinstance(deps, list):  # `null` means "no dependencies" in the state format
            urns.extend(d for d in deps if isinstance(d, str))
    return tuple(dict.fromkeys(logical_name(u) for u in urns))


class _Drop:
    """Marker for a value whose content the document does not show (ciphertext, unknown)."""


_DROP: Final = _Drop()


class _Decoder:
    """Pulumi's serialized property values to plain values, noting secret and unknown paths."""

    def __init__(self, blinded_secrets: bool, on_secret: SecretSink) -> None:
        self.on_secret = on_secret
        self.blinded_secrets = blinded_secrets
        self.secret_paths: list[str] = []
        self.unknown_paths: list[str] = []

    def properties(self, values: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            if str(key).startswith("__"):
                continue  # engine/provider bookkeeping such as azure-native's secret `__inputs` copy
            decoded = self.value(value, (str(key),))
            if decoded is not _DROP:
                out[str(key)] = decoded
        return out

    def value(self, value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, str):
            if value == COMPUTED:
                self.unknown_paths.append(format_path(path))
                return _DROP
            if self.blinded_secrets and value == BLINDED_SECRET:
                self.secret_paths.append(format_path(path))
                self.unknown_paths.append(format_path(path))
                return _DROP
            return value
        if isinstance(value, Mapping):
            if SIG_KEY in value:
                return self._signed(value, path)
            out: dict[str, Any] = {}
            for key, child in value.items():
                decoded = self.value(child, (*path, str(key)))
                if decoded is not _DROP:
                    out[str(key)] = decoded
            return out
        if isinstance(value, list):
            items = [self.value(child, (*path, i)) for i, child in enumerate(value)]
            return [None if item is _DROP else item for item in items]
        return value

    def _signed(self, value: Mapping[str, Any], path: tuple[str | int, ...]) -> Any:
        sig = value[SIG_KEY]
        if sig == SECRET_SIG:
            self.secret_paths.append(format_path(path))
            if isinstance(value.get("plaintext"), str):
                try:
                    inner = json.loads(value["plaintext"])
                except json.JSONDecodeError:
                    raise DocumentError(f"secret at {format_path(path)}: plaintext is not JSON text") from None
                _register_secret_strings(inner, self.on_secret)
                return self.value(inner, path)
            if "value" in value:
                _register_secret_strings(value["value"], self.on_secret)
                return self.value(value["value"], path)
            self.unknown_paths.append(format_path(path))  # ciphertext: present, but unreadable here
            return _DROP
        if sig == OUTPUT_VALUE_SIG:
            if value.get("secret"):
                self.secret_paths.append(format_path(path))
            if "value" not in value:
                self.unknown_paths.append(format_path(path))
                return _DROP
            return self.value(value["value"], path)
        if sig == RESOURCE_REFERENCE_SIG:
            return value.get("id") or value.get("urn")
        if sig == FLOAT_SIG and isinstance(value.get("value"), str):
            try:  # NaN and infinities, stored as the hex of their IEEE-754 bits
                return struct.unpack(">d", bytes.fromhex(value["value"]))[0]
            except (ValueError, struct.error):
                where = format_path(path)
                raise DocumentError(f"number at {where}: {value['value']!r} is not a float encoding") from None
        # Assets, archives, byte strings: opaque to every rule.
        return {k: v for k, v in value.items() if k != SIG_KEY}


def _register_secret_strings(value: Any, on_secret: SecretSink) -> None:
    if isinstance(value, str):
        on_secret(value)
    elif isinstance(value, Mapping):
        for child in value.values():
            _register_secret_strings(child, on_secret)
    elif isinstance(value, list):
        for child in value:
            _register_secret_strings(child, on_secret)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
