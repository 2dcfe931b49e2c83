"""What a policy rule sees: a plain record per resource, whatever produced it.

Three producers feed the same rules: `maas plan` (resources registered under Pulumi mocks), the
CrossGuard pack (pulumi-policy's validation args) and `maas policy check` (a `pulumi stack export`
or `pulumi preview --json` document). Keeping the record plain keeps the rules testable as functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class ResourceRecord:
    type: str  # Pulumi type token, e.g. azure-native:machinelearningservices:ServerlessEndpoint
    name: str  # Pulumi logical name (the last part of the URN)
    properties: Mapping[str, Any] = field(default_factory=dict)  # camelCase inputs
    dependencies: tuple[str, ...] = ()  # logical names this resource depends on (explicit + implicit)
    secret_paths: tuple[str, ...] = ()  # dotted paths of inputs that are Pulumi secrets
    parent: str | None = None  # logical name of the parent, None for the stack
    urn: str | None = None
    # Dotted paths whose value exists but is unknown here (a preview's computed values); rules skip them
    # instead of reading their absence as "not set".
    unknown_paths: tuple[str, ...] = ()
    # False when the producer cannot tell secrets from plain values (CrossGuard unwraps secrets before
    # a policy sees them); rules about secretness then stay silent rather than guess.
    secrets_visible: bool = True
    # Pulumi's `protect` resource option; None when the producer does not say (rules then stay silent).
    protected: bool | None = None


class Severity(StrEnum):
    MANDATORY = "mandatory"
    ADVISORY = "advisory"


@dataclass(frozen=True)
class Violation:
    policy: str
    severity: Severity
    resource: str  # logical name, or "" for stack-wide findings
    message: str  # names the resource and the offending value
    fix: str = ""  # what to change

    def as_dict(self) -> dict[str, str]:
        return {
            "policy": self.policy,
            "severity": str(self.severity),
            "resource": self.resource,
            "message": self.message,
            "fix": self.fix,
        }
