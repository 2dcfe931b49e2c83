"""The desired state: what the audited stacks declare, and which subscriptions the audit covers.

Why from the stack configs and not from stack outputs: an auditor with Reader on the subscriptions
has no access to the Pulumi state backend, and the question is "does Azure match what the stacks
say", so the configs (validated as `pulumi up` would) are the source; the names come from the same
Namer the program uses, so an expected endpoint name here is the name `pulumi up` creates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from infra.catalog import MODELS
from infra.config import ConfigError, FleetConfig, load_stack_file
from provisioning.audit.model import DesiredEndpoint, StackScope, SubscriptionInfo
from provisioning.azure.session import enum_value, validate_subscription_id
from provisioning.errors import BadInput, CredentialError
from provisioning.inputs.stacks import resolve_stack_file

if TYPE_CHECKING:
    from provisioning.azure.session import AzureSession, ResolvedSubscription

SUBSCRIPTIONS_API_VERSION = "2022-12-01"


@dataclass(frozen=True)
class LoadedStack:
    name: str
    file: Path
    config: FleetConfig


def load_stacks(stacks: Sequence[str], configs: Sequence[Path], directory: Path | None = None) -> list[LoadedStack]:
    """Every `--stack NAME` and `--config FILE`, validated; all problems of all stacks at once (exit 2).
    With neither, the only Pulumi.<stack>.yaml in the directory (as the other commands do)."""
    files: list[Path] = []
    problems: list[str] = []
    requests: list[tuple[str | None, Path | None]] = [(s, None) for s in stacks] + [(None, c) for c in configs]
    if not requests:
        requests = [(None, None)]
    for stack, config in requests:
        try:
            files.append(resolve_stack_file(stack, config, directory))
        except BadInput as exc:
            problems.extend(exc.lines())
    loaded: list[LoadedStack] = []
    seen: set[Path] = set()
    for path in files:
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        try:
            fleet = load_stack_file(path)
        except ConfigError as exc:
            problems.extend(exc.lines())
            continue
        loaded.append(LoadedStack(fleet.stack, path, fleet))
    if problems:
        raise BadInput(problems)
    return loaded


def desired_endpoints(stack: LoadedStack, subscription: str) -> list[DesiredEndpoint]:
    """region x project x model of one stack, named exactly as the Pulumi program names them."""
    config = stack.config
    out = []
    for e in config.declared_endpoints(subscription):
        model = MODELS[e.model]
        out.append(DesiredEndpoint(stack=stack.name, subscription=subscription, region=e.region, project=e.project,
                                   model=model, name=e.name, workspace=e.workspace, resource_group=e.resource_group,
                                   marketplace_subscription=config.namer.marketplace_subscription(model),
                                   model_version=config.model_versions.get(model.slug)))
    return out


# --------------------------------------------------------------------------------------------------
# Scope: which subscriptions, and where each stack belongs
# --------------------------------------------------------------------------------------------------


@dataclass
class Scope:
    stacks: list[StackScope]
    subscriptions: list[SubscriptionInfo]  # in scope, in order; `visible` False when the caller cannot see it
    desired: list[DesiredEndpoint]
    notes: list[str] = field(default_factory=list)
    sdk_calls: int = 0  # management calls made outside ArmRest (counted for the report)

    @property
    def visible_ids(self) -> list[str]:
        return [s.id for s in self.subscriptions if s.visible]


def validate_explicit(explicit: Sequence[str], all_subscriptions: bool) -> list[str]:
    """Checked before any network call: bad ids and contradictory options are bad input."""
    if explicit and all_subscriptions:
        raise BadInput("give either --subscription ID (repeatable) or --all-subscriptions, not both")
    problems, out = [], []
    for value in explicit:
        try:
            sub = validate_subscription_id(value, "--subscription")
        except BadInput as exc:
            problems.extend(exc.lines())
            continue
        if sub not in out:
            out.append(sub)
    if problems:
        raise BadInput(problems)
    return out


def list_subscriptions(session: AzureSession) -> dict[str, SubscriptionInfo]:
    """Every subscription the credential sees (one paged call): names for the report, the scope
    of --all-subscriptions, and a check that the audited subscriptions are visible at all — Resource
    Graph silently returns nothing for a subscription the caller cannot read."""
    out: dict[str, SubscriptionInfo] = {}
    for item in session.arm.list("/subscriptions", SUBSCRIPTIONS_API_VERSION, what="listing subscriptions"):
        sub = str(item.get("subscriptionId") or "").lower()
        if sub:
            out[sub] = SubscriptionInfo(sub, str(item.get("displayName") or ""), enum_value(item.get("state")))
    return out


def resolve_scope(session: AzureSession, stacks: Sequence[LoadedStack], explicit: Sequence[str],
                  all_subscriptions: bool) -> Scope:
    """Subscription resolution (docs/architecture.md, Contracts) for many stacks: a stack belongs to
    its azure-native:subscriptionId, else the single --subscription given, else AZURE_SUBSCRIPTION_ID /
    ARM_SUBSCRIPTION_ID / the credential's default
    (what the azure-native provider itself would use). The audit covers --subscription IDs, or every
    enabled subscription (--all-subscriptions), or else the stacks' subscriptions."""
    explicit = validate_explicit(explicit, all_subscriptions)
    problems: list[str] = []
    notes: list[str] = []
    placed: list[tuple[LoadedStack, str, str]] = []
    fallback: ResolvedSubscription | None = None
    sdk_calls = 0
    for stack in stacks:
        if stack.config.subscription_id:
            source = f"azure-native:subscriptionId in {stack.file.name}"
            try:
                placed.append((stack, validate_subscription_id(stack.config.subscription_id, source), source))
            except BadInput as exc:
                problems.extend(exc.lines())
        elif len(explicit) == 1:
            placed.append((stack, explicit[0], "--subscription"))
        elif len(explicit) > 1:
            problems.append(f"stack {stack.name} ({stack.file}) sets no azure-native:subscriptionId, so with several "
                            "--subscription values the audit cannot tell where it belongs -> set it with `pulumi "
                            f"config set azure-native:subscriptionId <id> --stack {stack.name}`")
        else:
            if fallback is None:  # the same answer for every stack without an id: ask once
                fallback = session.resolve_subscriptions([], stack.config)[0]
                if fallback.note:
                    notes.append(fallback.note)
                if fallback.source == "credential default":
                    sdk_calls += 1  # the subscriptions listing azure.py made to find it
            placed.append((stack, fallback.id, fallback.source))
    if problems:
        raise BadInput(problems)

    visible = list_subscriptions(session)
    if all_subscriptions:
        ids = [s.id for s in visible.values() if s.state.lower() == "enabled"]
        if not ids:
            raise BadInput("--all-subscriptions: the credential sees no enabled subscription")
    elif explicit:
        ids = list(explicit)
    else:
        ids = list(dict.fromkeys(sub for _, sub, _ in placed))

    scopes: list[StackScope] = []
    desired: list[DesiredEndpoint] = []
    for stack, sub, source in placed:
        in_scope = sub in ids
        scopes.append(StackScope(stack.name, str(stack.file), sub, source, in_scope))
        if in_scope:
            desired.extend(desired_endpoints(stack, sub))
        else:
            notes.append(f"stack {stack.name} deploys to subscription {sub} ({source}), which is not audited here; "
                         "its endpoints are not expected anywhere in this run")
    if not any(s.in_scope for s in scopes):
        raise BadInput("none of the stacks deploys to the audited subscriptions ("
                       + ", ".join(ids) + "); drop --subscription or add the stacks that live there")
    subscriptions = [visible.get(sub) or SubscriptionInfo(sub, visible=False) for sub in ids]
    if not any(s.visible for s in subscriptions):
        raise CredentialError("the credential sees none of the audited subscriptions (" + ", ".join(ids) + ") -> "
                              "grant it Reader (the auditor persona) there, or check --subscription / "
                              "azure-native:subscriptionId")
    return Scope(scopes, subscriptions, desired, notes, sdk_calls)
