"""The audit's records: what the stacks want, what Azure holds, and the verdict per cell.

Why plain dataclasses in one module: the comparison (drift.py), the four renderers and the JSON
contract all read the same few records, and the JSON shape (`AuditReport.document()`) is a
promise to pipelines (docs/architecture.md, Contracts): fields may be added, never renamed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from infra.catalog import MODELS, ModelSpec
from provisioning.camel_document import camel_document
from provisioning.operations.endpoints import DeployedEndpoint

SCHEMA_VERSION: Final = 1


class Status(StrEnum):
    """One verdict per region x project x model cell (docs/architecture.md, Contracts); wire values are stable."""

    OK = "ok"
    MISSING = "missing"  # a stack wants it, Azure does not have it
    EXTRA = "extra"  # Azure has it, no audited stack wants it
    UNHEALTHY = "unhealthy"  # provisioningState not Succeeded, or endpointState not Online
    CONTENT_SAFETY_OFF = "content_safety_off"
    WRONG_MODEL = "wrong_model"  # the endpoint at the expected name serves another model
    WRONG_REGION = "wrong_region"  # the endpoint at the expected name lives in another region than the stack's
    REGION_NOT_ALLOWED = "region_not_allowed"  # the catalog does not offer its model in its region
    SUBSCRIPTION_MISSING = "subscription_missing"  # marketplace subscription absent or not Subscribed
    WRONG_VERSION = "wrong_version"  # the right model, but not the version the stack pins
    KEY_EXPIRED = "key_expired"  # (audit --keys) the key's Key Vault secret expired, is disabled or absent
    KEY_EXPIRING = "key_expiring"  # (audit --keys) the key's Key Vault secret expires soon


# When a cell has several problems its status is the first of these it has: the root cause first
# (a deleted marketplace subscription leaves the endpoint Unhealthy, so that comes before unhealthy).
PRECEDENCE: Final = (
    Status.MISSING,
    Status.WRONG_MODEL,
    Status.WRONG_REGION,
    Status.REGION_NOT_ALLOWED,
    Status.SUBSCRIPTION_MISSING,
    Status.WRONG_VERSION,
    Status.UNHEALTHY,
    Status.CONTENT_SAFETY_OFF,
    Status.KEY_EXPIRED,
    Status.KEY_EXPIRING,
    Status.EXTRA,
)


class Source(StrEnum):
    """Where the actual state came from (reported in the JSON as `source`)."""

    RESOURCE_GRAPH = "resource-graph"
    ARM_LISTING = "arm-listing"


# --------------------------------------------------------------------------------------------------
# Desired
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackScope:
    """One audited stack and the subscription it deploys into."""

    name: str
    file: str
    subscription: str
    subscription_source: str  # azure-native:subscriptionId, --subscription, AZURE_SUBSCRIPTION_ID, ...
    in_scope: bool = True


@dataclass(frozen=True)
class DesiredEndpoint:
    """One endpoint a stack declares: region x project x model, with the names the program gives it."""

    stack: str
    subscription: str
    region: str
    project: str
    model: ModelSpec
    name: str
    workspace: str
    resource_group: str
    marketplace_subscription: str
    model_version: int | None = None  # pinned by the stack (`models: [{slug, version}]`); None: unpinned

    @property
    def key(self) -> tuple[str, str, str, str]:
        return endpoint_key(self.subscription, self.resource_group, self.workspace, self.name)

    @property
    def workspace_key(self) -> tuple[str, str, str]:
        return workspace_key(self.subscription, self.resource_group, self.workspace)


def workspace_key(subscription: str, resource_group: str, workspace: str) -> tuple[str, str, str]:
    """ARM names are case-insensitive: compare them lower-cased, show them as Azure spells them."""
    return (subscription.lower(), resource_group.lower(), workspace.lower())


def endpoint_key(subscription: str, resource_group: str, workspace: str, name: str) -> tuple[str, str, str, str]:
    return (*workspace_key(subscription, resource_group, workspace), name.lower())


# --------------------------------------------------------------------------------------------------
# Actual (what the endpoint listing module does not already model)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketplaceRecord:
    """A workspace's marketplace subscription to a model (`{ws}/marketplaceSubscriptions/{name}`)."""

    subscription: str
    resource_group: str
    workspace: str
    name: str
    model_id: str
    status: str  # marketplaceSubscriptionStatus: Subscribed, Suspended, Unsubscribed
    provisioning_state: str

    @property
    def workspace_key(self) -> tuple[str, str, str]:
        return workspace_key(self.subscription, self.resource_group, self.workspace)

    @property
    def usable(self) -> bool:
        return self.status.lower() == "subscribed" and self.provisioning_state.lower() in ("", "succeeded")


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    name: str = ""
    state: str = ""
    visible: bool = True

    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.name and self.name != self.id else self.id


# --------------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyOutcome:
    """`maas verify` folded into a cell: pass/fail, latency, and which checks failed."""

    status: str  # pass | fail | skipped
    latency_ms: float | None = None
    failed_checks: tuple[str, ...] = ()
    detail: str = ""

    def document(self) -> dict[str, Any]:
        return camel_document(self, values={"latency_ms": lambda ms: None if ms is None else round(ms, 1)})


@dataclass
class Cell:
    """The verdict for one region x project x model (or one extra endpoint)."""

    subscription: str
    region: str
    project: str
    model: str  # catalog slug: the desired model, or the served model of an extra endpoint
    endpoint: str  # the expected name (desired) or the found name (extra)
    status: Status
    problems: tuple[Status, ...] = ()
    stack: str | None = None  # None: no audited stack declares it
    workspace: str = ""
    resource_group: str = ""
    provisioning_state: str | None = None
    endpoint_state: str | None = None
    content_safety: str | None = None
    marketplace_status: str | None = None  # Subscribed / Suspended / ... / "missing"; None when unknown
    served_model: str | None = None  # what the endpoint serves (slug, or the raw model id)
    model_version: str | None = None  # the version in the endpoint's model id; None: versionless or unknown
    pinned_version: int | None = None  # the version the stack pins; None: unpinned
    uri: str = ""
    message: str = ""
    fix: str = ""
    verify: VerifyOutcome | None = None
    key: dict[str, Any] | None = None  # (audit --keys) the `maas keys status` entry of its key
    deployed: DeployedEndpoint | None = field(default=None, repr=False, compare=False)  # not in the JSON

    @property
    def drifted(self) -> bool:
        return self.status is not Status.OK or (self.verify is not None and self.verify.status == "fail")

    @property
    def model_spec(self) -> ModelSpec | None:
        return MODELS.get(self.model)

    def document(self) -> dict[str, Any]:
        return camel_document(self, omit=("message", "fix", "deployed"),
                              keys={"marketplace_status": "marketplaceSubscription"},
                              values={"verify": lambda verify: verify.document() if verify is not None else None})

    def drift_document(self) -> dict[str, Any]:
        cell = self.document()
        return {key: cell[key] for key in _DRIFT_KEYS} | {"message": self.message, "fix": self.fix}


_DRIFT_KEYS = ("subscription", "region", "project", "model", "endpoint", "status", "problems")


@dataclass
class AuditReport:
    """Everything one `maas audit` run found; `document()` is the stable JSON contract."""

    stacks: list[StackScope]
    subscriptions: list[SubscriptionInfo]
    cells: list[Cell]
    source: Source
    marketplace_source: Source
    generated_at: str
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    workspaces_seen: int = 0
    endpoints_seen: int = 0
    other_endpoints: int = 0  # endpoints serving models outside the catalog (not audited)
    management_calls: int = 0
    graph_pages: int = 0
    wall_s: float = 0.0
    verified: bool = False

    @property
    def drift(self) -> list[Cell]:
        return [c for c in self.cells if c.drifted]

    @property
    def exit_code(self) -> int:
        """0 everything matches, 1 anything drifted or could not be read (docs/architecture.md, Contracts)."""
        return 1 if self.drift or self.errors else 0

    def subscription_label(self, subscription: str) -> str:
        info = next((s for s in self.subscriptions if s.id == subscription), None)
        return info.label() if info else subscription

    def counts(self) -> dict[str, int]:
        return {str(s): sum(1 for c in self.cells if c.status is s) for s in Status}

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "cells": len(self.cells),
            "ok": sum(1 for c in self.cells if c.status is Status.OK),
            "drifted": len(self.drift),
            "byStatus": self.counts(),
            "stacks": len([s for s in self.stacks if s.in_scope]),
            "subscriptions": len(self.subscriptions),
            "workspaces": self.workspaces_seen,
            "endpoints": self.endpoints_seen,
            "otherEndpoints": self.other_endpoints,
            "errors": len(self.errors),
            "managementCalls": self.management_calls,
            "graphPages": self.graph_pages,
            "wallS": round(self.wall_s, 3),
        }
        if self.verified:
            checked = [c for c in self.cells if c.verify is not None and c.verify.status != "skipped"]
            out["verify"] = {"endpoints": len(checked),
                             "passed": sum(1 for c in checked if c.verify and c.verify.status == "pass"),
                             "failed": sum(1 for c in checked if c.verify and c.verify.status == "fail")}
        return out

    def document(self) -> dict[str, Any]:
        return {
            "schemaVersion": SCHEMA_VERSION,
            "generatedAt": self.generated_at,
            "source": str(self.source),
            "marketplaceSource": str(self.marketplace_source),
            "stacks": [camel_document(s) for s in self.stacks],
            "subscriptions": [camel_document(s) for s in self.subscriptions],
            "cells": [c.document() for c in self.cells],
            "drift": [c.drift_document() for c in self.drift],
            "errors": list(self.errors),
            "notes": list(self.notes),
            "summary": self.summary(),
        }
