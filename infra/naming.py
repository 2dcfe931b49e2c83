"""Deterministic, length-safe, collision-free names for everything the fleet creates.

Why a module of its own: Azure's naming rules differ per resource type, some names are global
(storage, Key Vault), some soft-delete and block re-creation for days (Key Vault, ML and Log
Analytics workspaces), and an endpoint name becomes part of a public URL that must be unique per
region. Config validation, the program, the policy rules and preflight all ask this module, so a
name is decided once and checked against the same rule everywhere.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, replace
from typing import Final

from infra.catalog import MODELS, REGIONS, ModelSpec


@dataclass(frozen=True)
class NameRule:
    """One Azure naming rule: length bounds plus a pattern, with the words to explain it."""

    kind: str
    min_len: int
    max_len: int
    pattern: re.Pattern[str]
    allowed: str  # what to tell a user about the allowed characters
    unique_within: str

    def problem(self, name: str) -> str | None:
        """None when `name` is valid, else one sentence saying what is wrong."""
        if not self.min_len <= len(name) <= self.max_len:
            return (
                f"{self.kind} name {name!r} is {len(name)} characters; Azure allows "
                f"{self.min_len}-{self.max_len}"
            )
        if not self.pattern.fullmatch(name):
            return f"{self.kind} name {name!r} is invalid: {self.allowed}"
        return None


def _rule(kind: str, lo: int, hi: int, pattern: str, allowed: str, unique: str) -> NameRule:
    return NameRule(kind, lo, hi, re.compile(pattern), allowed, unique)


RULES: Final = {
    r.kind: r
    for r in (
        _rule("resource group", 1, 90, r"[-\w.()]*[-\w()]", "letters, digits, -_.() and not ending in '.'",
              "subscription"),
        _rule("storage account", 3, 24, r"[a-z0-9]+", "lower-case letters and digits only", "Azure"),
        _rule("key vault", 3, 24, r"[a-zA-Z](?!.*--)[-a-zA-Z0-9]*[a-zA-Z0-9]",
              "letters, digits and single hyphens, starting with a letter", "Azure"),
        _rule("log analytics workspace", 4, 63, r"[a-zA-Z0-9][-a-zA-Z0-9]*[a-zA-Z0-9]",
              "letters, digits and hyphens, starting and ending alphanumeric", "resource group"),
        _rule("application insights", 1, 260, r"[^%&\\?/]*[^%&\\?/. ]", "no %&\\?/ and not ending in '.'",
              "resource group"),
        _rule("machine learning workspace", 3, 33, r"[a-zA-Z0-9][-a-zA-Z0-9_]*",
              "letters, digits, '-' and '_', starting alphanumeric", "resource group"),
        _rule("marketplace subscription", 1, 255, r"[a-zA-Z0-9][-a-zA-Z0-9_]*",
              "letters, digits, '-' and '_', starting alphanumeric", "workspace"),
        _rule("serverless endpoint", 3, 32, r"[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?",
              "letters, digits and '-', starting with a letter and ending alphanumeric", "region"),
        _rule("key vault secret", 1, 127, r"[-a-zA-Z0-9]+", "letters, digits and '-'", "key vault"),
    )
}
ENDPOINT_RULE: Final = RULES["serverless endpoint"]

# Short parts that go into several names; config validation enforces these before names are built.
PREFIX_PATTERN: Final = re.compile(r"[a-z][a-z0-9]{1,9}")
ENVIRONMENT_PATTERN: Final = re.compile(r"[a-z][a-z0-9]{0,7}")
PROJECT_PATTERN: Final = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PROJECT_MAX_LEN: Final = 16
SUFFIX_PATTERN: Final = re.compile(r"[a-z0-9]{1,4}")

GUID_PATTERN: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HASH_LEN: Final = 6
# The subscription a plan assumes while the stack file names none (`maas plan` mocks Azure with it): names
# derived from the subscription are built from it, the same way everywhere, and marked as such in the plan.
PLACEHOLDER_SUBSCRIPTION: Final = "00000000-0000-0000-0000-000000000000"
ENDPOINT_TAG_LEN: Final = 5  # 16^5 ~ 1M: two tenants keeping the same prefix collide ~1 in a million
# Fixed namespace so role definition and assignment GUIDs are the same on every machine and run.
GUID_NAMESPACE: Final = uuid.UUID("6f0c3f5e-4b1a-5d7e-9a53-2b8e1c7d4f10")


def short_hash(*parts: str, length: int = _HASH_LEN) -> str:
    """A stable lower-case hex digest: makes global names unique without making them random."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:length]


def deterministic_guid(*parts: str) -> str:
    """uuid5 over the parts: ARM wants GUID names for role definitions and assignments, and a
    re-run of the program must produce the same ones or it would churn every assignment."""
    return str(uuid.uuid5(GUID_NAMESPACE, "|".join(p.lower() for p in parts)))


def _compact(*parts: str) -> str:
    return "".join(ch for p in parts for ch in p.lower() if ch.isalnum())


def _squeeze(head: str, tail: str, max_len: int, sep: str = "") -> str:
    """`head` truncated so that head+sep+tail fits in max_len; the tail carries the hash."""
    room = max_len - len(tail) - len(sep)
    return f"{head[:room]}{sep}{tail}"


@dataclass(frozen=True)
class WorkspaceNames:
    """The Azure names of one region x project unit (a resource group holding one ML workspace)."""

    resource_group: str
    storage_account: str
    key_vault: str  # the workspace's own vault (Azure ML keeps its secrets there)
    keys_vault: str  # endpoint keys only: consumers read this vault and nothing else
    log_analytics: str
    app_insights: str
    workspace: str

    def items(self) -> tuple[tuple[str, str], ...]:
        return (
            ("resource group", self.resource_group),
            ("storage account", self.storage_account),
            ("key vault", self.key_vault),
            ("key vault", self.keys_vault),
            ("log analytics workspace", self.log_analytics),
            ("application insights", self.app_insights),
            ("machine learning workspace", self.workspace),
        )


@dataclass(frozen=True)
class Namer:
    """Builds every name from the stack's prefix, environment and optional suffix.

    `suffix` exists because Key Vaults, ML workspaces and Log Analytics workspaces soft-delete:
    after a destroy, the same name can be refused for up to 90 days; a new suffix gives new names.
    """

    prefix: str
    environment: str
    suffix: str = ""
    # Endpoint names are public and unique per region across all of Azure: they carry a short hash of
    # the subscription and the Pulumi stack, so two companies (or two stacks) keeping the same prefix
    # cannot collide. Empty until the subscription is known (see `for_subscription`).
    subscription_id: str = ""
    stack: str = ""

    def for_subscription(self, subscription_id: str) -> Namer:
        """The same names for a given subscription: what the program does once ARM told it."""
        return replace(self, subscription_id=subscription_id)

    @property
    def _stem(self) -> str:
        return f"{self.prefix}-{self.environment}"

    def _tail(self) -> str:
        return f"-{self.suffix}" if self.suffix else ""

    def workspace_names(self, region: str, project: str, subscription_id: str = "") -> WorkspaceNames:
        """Storage account and Key Vault names are global across Azure: their hash includes the
        subscription, so the same stack in two subscriptions (or another team's `contoso`) cannot
        collide. The other names are scoped to the subscription or resource group and omit it."""
        abbr = REGIONS[region].abbreviation
        unit = f"{self._stem}-{project}"
        digest = short_hash(self.prefix, self.environment, project, region, self.suffix, subscription_id.lower())
        keys_digest = short_hash("keys", self.prefix, self.environment, project, region, self.suffix,
                                 subscription_id.lower())
        return WorkspaceNames(
            resource_group=f"rg-{unit}-{region}",
            storage_account=_squeeze(_compact("st", self.prefix, self.environment, project), abbr + digest, 24),
            key_vault=_squeeze(_compact("kv", self.prefix, self.environment, project), f"{abbr}-{digest}", 24, "-"),
            keys_vault=_squeeze(_compact("kvk", self.prefix, self.environment, project), f"{abbr}-{keys_digest}",
                                24, "-"),
            log_analytics=f"log-{unit}-{abbr}{self._tail()}",
            app_insights=f"appi-{unit}-{abbr}",
            workspace=f"mlw-{unit}-{abbr}{self._tail()}",
        )

    def endpoint_tag(self, subscription_id: str | None = None) -> str:
        """The short stable suffix of endpoint names: a hash of subscription and stack."""
        sub = self.subscription_id if subscription_id is None else subscription_id
        return short_hash("endpoint", sub.lower(), self.stack, length=ENDPOINT_TAG_LEN)

    def endpoint(self, project: str, model: ModelSpec, subscription_id: str | None = None) -> str:
        """Unique per region across projects and models of this stack (one deployment per model per
        workspace, one workspace per project per region) and, through the tag, across subscriptions
        and stacks; the region is in the host name already. `subscription_id` defaults to the one
        this namer was built for."""
        return f"{self._stem}-{project}-{model.short}-{self.endpoint_tag(subscription_id)}"

    @staticmethod
    def marketplace_subscription(model: ModelSpec) -> str:
        return model.resource_name

    @staticmethod
    def key_secret(endpoint_name: str) -> str:
        return f"{endpoint_name}-key"


# --------------------------------------------------------------------------------------------------
# Pulumi logical names: stable forever, since changing one replaces the resource.
# --------------------------------------------------------------------------------------------------


def unit_id(region: str, project: str) -> str:
    return f"{region}-{project}"


def endpoint_id(region: str, project: str, model_slug: str) -> str:
    return f"{unit_id(region, project)}-{MODELS[model_slug].resource_name.lower()}"
