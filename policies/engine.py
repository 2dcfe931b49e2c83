"""The rule machinery: what a rule is, what a check returns, how a set of rules runs over records.

Why apart from the rules: the rules are split by subject (policies/rules/), the adapters
(CrossGuard, `maas plan`, `maas policy check`) need the machinery without any particular rule, and a
new rule should be one small module that only states its check. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from policies.props import canonical_type
from policies.records import ResourceRecord, Severity, Violation


@dataclass(frozen=True)
class Finding:
    """What a check returns; the Rule adds its id and severity to make a Violation."""

    resource: str  # logical name
    message: str
    fix: str


ANY_TYPE: Final = "*"  # in Rule.types: the rule reads resources of every type

ResourceCheck = Callable[[ResourceRecord], Iterable[Finding]]
StackCheck = Callable[[Sequence[ResourceRecord]], Iterable[Finding]]


class RuleScope(StrEnum):
    RESOURCE = "resource"  # looks at one record at a time (a CrossGuard ResourceValidationPolicy)
    STACK = "stack"  # compares records with each other (a CrossGuard StackValidationPolicy)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str
    fix: str  # the general remediation; each violation carries a specific one
    types: tuple[str, ...]  # canonical type tokens the rule reads
    resource_check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    # True when the rule is about secretness, which CrossGuard cannot see (it unwraps secrets).
    needs_secret_markers: bool = False

    @property
    def scope(self) -> RuleScope:
        return RuleScope.RESOURCE if self.resource_check is not None else RuleScope.STACK

    def applies_to(self, record: ResourceRecord) -> bool:
        return ANY_TYPE in self.types or canonical_type(record.type) in self.types

    def check_resource(self, record: ResourceRecord) -> list[Violation]:
        if self.resource_check is None or not self.applies_to(record):
            return []
        return [self._violation(f) for f in self.resource_check(record)]

    def check_stack(self, records: Sequence[ResourceRecord]) -> list[Violation]:
        if self.stack_check is None:
            return []
        return [self._violation(f) for f in self.stack_check(records)]

    def run(self, records: Sequence[ResourceRecord]) -> list[Violation]:
        if self.resource_check is not None:
            return [v for record in records for v in self.check_resource(record)]
        return self.check_stack(records)

    def _violation(self, finding: Finding) -> Violation:
        return Violation(self.id, self.severity, finding.resource, finding.message, finding.fix)


def resource_rule(
    rule_id: str, severity: Severity, types: tuple[str, ...], description: str, *, fix: str,
    needs_secret_markers: bool = False,
) -> Callable[[ResourceCheck], Rule]:
    """Makes the decorated per-resource check a Rule, so a rule's words stand on the check they describe
    (the module-level name then holds the Rule, which is what `policies.rules.RULES` lists). The
    description is an argument, not the check's docstring: `python -OO` drops docstrings."""
    return lambda check: Rule(rule_id, severity, description, fix, types, resource_check=check,
                              needs_secret_markers=needs_secret_markers)


def stack_rule(
    rule_id: str, severity: Severity, types: tuple[str, ...], description: str, *, fix: str,
) -> Callable[[StackCheck], Rule]:
    """Makes the decorated stack-wide check (records compared with each other) a Rule."""
    return lambda check: Rule(rule_id, severity, description, fix, types, stack_check=check)


def run_rules(records: Sequence[ResourceRecord], rules: Sequence[Rule]) -> list[Violation]:
    """Every rule over the records: per-resource rules record by record, stack-wide rules once.
    Violations come rule by rule, in record order within a rule."""
    records = list(records)
    return [violation for rule in rules for violation in rule.run(records)]
