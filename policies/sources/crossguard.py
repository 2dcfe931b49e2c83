"""The CrossGuard adapter: pulumi-policy's validation args in, ResourceRecords to the rules, violations out.

Why a module apart from `__main__.py`: constructing a `PolicyPack` starts a gRPC server and blocks
forever, so everything testable lives here and `__main__.py` only builds the pack.

What CrossGuard shows the rules, and what it hides:
- Per-resource policies (`Analyze`) get a resource's *inputs*; values unknown during preview raise
  on access, so they are left out and their paths recorded as unknown.
- Stack policies (`AnalyzeStack`) get every resource's *outputs*. Outputs lack the parent inputs
  (`resourceGroupName`, `workspaceName`) until the ARM id is known, so the adapter keeps the inputs
  it saw in `Analyze` (same pack process, same deployment) and falls back to outputs, the ARM id and
  the property dependencies for resources it has not seen.
- Secrets arrive unwrapped (pulumi-policy deserialises them to plain values), so no policy can tell
  a secret from a plain value: `keys-only-as-secrets` reports itself *not applicable* in the pack;
  `maas plan` and `maas policy check` enforce it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import Severity as PolicySeverity
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from policies.engine import Rule, RuleScope
from policies.props import MISSING, canonical_type, dig, format_path
from policies.records import ResourceRecord, Severity, Violation
from policies.rules import RULES
from policies.state import PARENT_TYPES, inputs_from_outputs, parent_inputs

PACK_NAME: Final = "maas-fleet"

_UNKNOWN: Final = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)
_LEVEL: Final = {Severity.MANDATORY: EnforcementLevel.MANDATORY, Severity.ADVISORY: EnforcementLevel.ADVISORY}
_SEVERITY: Final = {Severity.MANDATORY: PolicySeverity.HIGH, Severity.ADVISORY: PolicySeverity.LOW}
NOT_APPLICABLE_SECRETS: Final = (
    "CrossGuard passes secrets to policies as plain values, so secretness cannot be checked here; "
    "`maas plan` and `maas policy check` enforce this rule"
)


class _Drop:
    """Marker for a value that is unknown and therefore left out of the record."""


_DROP: Final = _Drop()


def logical_name(urn: str) -> str:
    """`urn:pulumi:dev::maas-fleet::a$b::eastus2-main` -> `eastus2-main` (the name may itself hold `::`)."""
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


def plain(value: Any) -> tuple[Any, tuple[str, ...]]:
    """Proxied pulumi-policy properties as plain dicts and lists, with the paths of unknown values.

    Unknown mapping entries are left out (rules treat them as not visible); unknown list items become
    None so that the indices of their siblings stay right."""
    unknown: list[str] = []
    result = _plain(value, (), unknown)
    return ({} if result is _DROP else result), tuple(unknown)


def _plain(value: Any, path: tuple[str | int, ...], unknown: list[str]) -> Any:
    if isinstance(value, Secret):
        value = value.value
    if isinstance(value, str):
        if value in _UNKNOWN:
            unknown.append(format_path(path))
            return _DROP
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in value:
            try:
                child = value[key]
            except UnknownValueError:
                unknown.append(format_path((*path, str(key))))
                continue
            converted = _plain(child, (*path, str(key)), unknown)
            if converted is not _DROP:
                out[str(key)] = converted
        return out
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                child = value[index]
            except UnknownValueError:
                unknown.append(format_path((*path, index)))
                items.append(None)
                continue
            converted = _plain(child, (*path, index), unknown)
            items.append(None if converted is _DROP else converted)
        return items
    return value


class InputMemory:
    """The inputs each resource had in `Analyze`, by URN, for the stack policies of the same run.

    pulumi-policy serves requests from a thread pool, hence the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, ResourceRecord] = {}

    def record(self, args: ResourceValidationArgs) -> ResourceRecord:
        with self._lock:
            known = self._records.get(args.urn)
        if known is not None and known.type == args.resource_type:
            return known
        record = record_from_resource_args(args)
        with self._lock:
            self._records[args.urn] = record
        return record

    def get(self, urn: str) -> ResourceRecord | None:
        with self._lock:
            return self._records.get(urn)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)


def record_from_resource_args(args: ResourceValidationArgs) -> ResourceRecord:
    properties, unknown = plain(args.props)
    parent = getattr(args.opts, "parent", None) if args.opts is not None else None
    return ResourceRecord(
        type=args.resource_type,
        name=args.name,
        properties=properties,
        parent=logical_name(parent) if parent else None,
        urn=args.urn,
        unknown_paths=unknown,
        secrets_visible=False,
    )


def records_from_stack_args(args: StackValidationArgs, memory: InputMemory | None = None) -> list[ResourceRecord]:
    """One record per stack resource: inputs remembered from `Analyze` where there are any, merged over
    input-shaped outputs; parent names filled in from property dependencies when still missing."""
    drafts: list[tuple[PolicyResource, dict[str, Any], tuple[str, ...]]] = []
    for resource in args.resources:
        outputs, output_unknown = plain(resource.props)
        properties = inputs_from_outputs(resource.resource_type, outputs)
        unknown = [p for p in output_unknown if dig(properties, p) is MISSING]
        seen = memory.get(resource.urn) if memory is not None else None
        if seen is not None:
            properties.update(seen.properties)
            unknown = [p for p in (*seen.unknown_paths, *unknown) if dig(properties, p) is MISSING]
        drafts.append((resource, properties, tuple(dict.fromkeys(unknown))))

    by_urn = {resource.urn: (resource, properties) for resource, properties, _ in drafts}
    records: list[ResourceRecord] = []
    for resource, properties, unknown_paths in drafts:
        for key in parent_inputs(resource.resource_type):
            if key not in properties:
                value = _name_from_dependency(resource.property_dependencies.get(key, []), key, by_urn)
                if value is not None:
                    properties[key] = value
        records.append(
            ResourceRecord(
                type=resource.resource_type,
                name=resource.name,
                properties=properties,
                dependencies=_dependency_names(resource),
                parent=logical_name(resource.parent.urn) if resource.parent is not None else None,
                urn=resource.urn,
                unknown_paths=unknown_paths,
                secrets_visible=False,
            )
        )
    return records


def _name_from_dependency(
    dependencies: Sequence[PolicyResource], key: str, by_urn: Mapping[str, tuple[PolicyResource, dict[str, Any]]]
) -> str | None:
    candidates = [
        by_urn[d.urn][1].get(key)
        for d in dependencies
        if d.urn in by_urn and canonical_type(d.resource_type) == PARENT_TYPES[key]
    ]
    names = {c for c in candidates if isinstance(c, str)}
    return names.pop() if len(names) == 1 else None


def _dependency_names(resource: PolicyResource) -> tuple[str, ...]:
    urns: list[str] = [d.urn for d in resource.dependencies]
    for deps in resource.property_dependencies.values():
        urns.extend(d.urn for d in deps)
    return tuple(dict.fromkeys(logical_name(u) for u in urns))


def _report(violation: Violation) -> str:
    return f"{violation.message}\nFix: {violation.fix}" if violation.fix else violation.message


def _described(rule: Rule) -> dict[str, Any]:
    """What CrossGuard shows of a rule, the same for resource and stack policies."""
    return {"name": rule.id, "description": rule.description, "enforcement_level": _LEVEL[rule.severity],
            "severity": _SEVERITY[rule.severity], "remediation_steps": rule.fix}


def resource_policy(rule: Rule, memory: InputMemory) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        record = memory.record(args)
        if not rule.applies_to(record):
            return
        if rule.needs_secret_markers and not record.secrets_visible:
            args.not_applicable(NOT_APPLICABLE_SECRETS)
        for violation in rule.check_resource(record):
            report_violation(_report(violation), None)

    return ResourceValidationPolicy(validate=validate, **_described(rule))


def stack_policy(rule: Rule, memory: InputMemory) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        records = records_from_stack_args(args, memory)
        urns: dict[str, str | None] = {}
        for record in records:
            urns.setdefault(record.name, record.urn)
        for violation in rule.check_stack(records):
            report_violation(_report(violation), urns.get(violation.resource))

    return StackValidationPolicy(validate=validate, **_described(rule))


def build_policies(rules: Iterable[Rule] = RULES, memory: InputMemory | None = None) -> list[Policy]:
    """One CrossGuard policy per rule, named by the rule id, enforced at the rule's severity."""
    memory = memory if memory is not None else InputMemory()
    return [
        resource_policy(rule, memory) if rule.scope is RuleScope.RESOURCE else stack_policy(rule, memory)
        for rule in rules
    ]
