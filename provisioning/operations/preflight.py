"""`maas preflight`: find in seconds what `pulumi up` would find twenty minutes in.

The failures real users hit are mostly outside the program: a credential that does not work, a
free-trial subscription, an unregistered resource provider, a caller without marketplace
permissions, a custom-role action Azure does not list (ARM rejects the whole role), something that
blocks Marketplace purchases, a region that does not offer serverless endpoints, an endpoint name
another workspace already holds in that region. Each becomes one check with a status (pass / fail /
fixed / unchecked), a detail and, on failure, the fix. `unchecked` ("could not check") is for what
ARM cannot tell this caller: it says what was not checked and whom to ask, and does not fail the
run. Checks that cannot run without an earlier one (no credential, no subscription) stop the run
rather than pile up noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from infra.catalog import (
    CONTRIBUTOR,
    MODELS,
    OWNER,
    PERMISSIONS,
    PROGRAM_ACTIONS,
    REGIONS,
    UNPAID_QUOTA_ID_PREFIXES,
    USER_ACCESS_ADMINISTRATOR,
    Scope,
    normalise_region,
)
from infra.rbac import custom_roles
from provisioning.azure.errors import ArmError, from_sdk_error
from provisioning.azure.permissions import SCOPE_LABEL, PermissionEntry, describe_missing, how_to_grant, missing
from provisioning.azure.polling import Poll, WaitTimeout, wait_for
from provisioning.azure.provider_operations import namespace_of, read_operations
from provisioning.azure.resource_ids import resource_group_scope, subscription_scope
from provisioning.azure.session import (
    ENV_ACCESS_TOKEN,
    ApiVersion,
    AzureSession,
    ResolvedSubscription,
    StaticTokenCredential,
    enum_value,
)
from provisioning.errors import CredentialError, ExitCode
from provisioning.operations.endpoints import WorkspaceRef, list_workspaces
from provisioning.operations.preflight_marketplace import MarketplaceChecks
from provisioning.operations.preflight_names import EndpointNameChecks
from provisioning.operations.preflight_report import Check, PreflightReport, Status

if TYPE_CHECKING:
    from infra.config import FleetConfig

ML_NAMESPACE = "Microsoft.MachineLearningServices"
SERVERLESS_RESOURCE_TYPE = "workspaces/serverlessEndpoints"


class _Stop(Exception):
    """Later checks cannot run; the report already holds the reason."""


@dataclass
class Preflight(MarketplaceChecks, EndpointNameChecks):
    session: AzureSession
    config: FleetConfig
    subscription: ResolvedSubscription
    fix: bool = False
    timeout: float = 300.0
    on_check: Callable[[Check], None] | None = None  # live output as checks complete
    report: PreflightReport = field(default_factory=PreflightReport)
    _permissions: dict[str, list[PermissionEntry]] = field(default_factory=dict)
    _providers: dict[str, Any] = field(default_factory=dict)

    @property
    def sub(self) -> str:
        return self.subscription.id

    def add(self, name: str, status: Status, detail: str, fix: str = "") -> Check:
        check = Check(name, status, detail, fix if status in (Status.FAIL, Status.UNCHECKED) else "")
        self.report.checks.append(check)
        if self.on_check is not None:
            self.on_check(check)
        return check

    def run(self) -> PreflightReport:
        try:
            self.check_credential_and_subscription()
            self.check_providers()
            workspaces = self.existing_workspaces()
            self.check_permissions(workspaces)
            self.check_role_actions()
            self.check_marketplace(workspaces)
            self.check_regions()
            self.check_endpoint_names(workspaces)
        except _Stop:
            pass
        return self.report

    # ---------------------------------------------------------------- credential + subscription
    def check_credential_and_subscription(self) -> None:
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

        try:
            source = ENV_ACCESS_TOKEN if isinstance(self.session.credential, StaticTokenCredential) else (
                "DefaultAzureCredential")
            identity = self.session.identity()
        except CredentialError as exc:
            self.add("credential", Status.FAIL, str(exc).split(" -> ")[0],
                     str(exc).split(" -> ", 1)[-1] if " -> " in str(exc) else "")
            self.report.fatal = ExitCode.BAD_INPUT
            raise _Stop from None
        try:
            sub = self.session.subscriptions().subscriptions.get(self.sub)
        except ClientAuthenticationError as exc:
            error = from_sdk_error(exc, f"reading subscription {self.sub}")
            self.add("credential", Status.FAIL, f"{identity.describe()} via {source}: {error.message}", error.hint)
            self.report.fatal = ExitCode.BAD_INPUT
            raise _Stop from None
        except HttpResponseError as exc:
            error = from_sdk_error(exc, f"reading subscription {self.sub}")
            if error.exit_code == ExitCode.BAD_INPUT:
                self.add("credential", Status.FAIL, f"{identity.describe()} via {source}: {error}", error.hint)
                self.report.fatal = ExitCode.BAD_INPUT
                raise _Stop from None
            self.add("credential", Status.PASS, f"{identity.describe()} via {source}")
            self.add("subscription", Status.FAIL,
                     f"{self.sub} (from {self.subscription.source}) is not visible to this identity: "
                     f"HTTP {error.status} {error.code}",
                     "check the subscription id, or ask for at least Reader on it (the auditor persona)")
            raise _Stop from None
        except ArmError as exc:
            self.add("credential", Status.FAIL, str(exc), exc.hint)
            self.report.fatal = exc.exit_code
            raise _Stop from None
        self.add("credential", Status.PASS, f"{identity.describe()} via {source}, accepted by "
                 f"{self.session.settings.arm_endpoint}")

        name = f"{sub.display_name} ({self.sub}, from {self.subscription.source})"
        state = enum_value(sub.state)
        if state.lower() == "enabled":
            self.add("subscription", Status.PASS, f"{name} is Enabled")
        else:
            self.add("subscription", Status.FAIL, f"{name} is {state or 'in an unknown state'}",
                     "only Enabled subscriptions can create resources: settle billing or re-enable it in the portal")
        quota = str(getattr(sub.subscription_policies, "quota_id", "") or "")
        unpaid = next((p for p in UNPAID_QUOTA_ID_PREFIXES if quota.lower().startswith(p.lower())), None)
        if unpaid:
            self.add("subscription offer", Status.FAIL,
                     f"quotaId {quota} is a free-trial/sponsored/credit offer; Azure Marketplace rejects "
                     "pay-as-you-go model purchases on it",
                     "upgrade to pay-as-you-go or use a paid (EA/MCA/PAYG) subscription")
        elif not quota:
            self.add("subscription offer", Status.PASS, "quotaId not reported; assuming a paid offer")
        else:
            self.add("subscription offer", Status.PASS, f"quotaId {quota} is a paid offer")

    # ---------------------------------------------------------------- resource providers
    def check_providers(self) -> None:
        from azure.core.exceptions import HttpResponseError

        client = self.session.resources(self.sub)
        providers = self.config.resource_providers()  # the base set plus what the stack's options need
        try:
            self._providers = {str(p.namespace).lower(): p for p in client.providers.list()}
        except HttpResponseError as exc:
            error = from_sdk_error(exc, "listing resource providers")
            for namespace in providers:
                self.add(f"provider {namespace}", Status.FAIL, f"cannot read its registration: {error}", error.hint)
            return
        pending = [ns for ns in providers if self._state(ns) != "registered"]
        for namespace in providers:
            if namespace not in pending:
                self.add(f"provider {namespace}", Status.PASS, "Registered")
            elif not self.fix:
                self.add(f"provider {namespace}", Status.FAIL, f"{self._state_text(namespace)} in {self.sub}",
                         f"run `maas preflight --fix` or `az provider register --namespace {namespace}`")
        if pending and self.fix:
            self._register(pending)

    def _state(self, namespace: str) -> str:
        provider = self._providers.get(namespace.lower())
        return str(getattr(provider, "registration_state", "") or "").lower()

    def _state_text(self, namespace: str) -> str:
        provider = self._providers.get(namespace.lower())
        return str(getattr(provider, "registration_state", "") or "NotRegistered")

    def _register(self, pending: list[str]) -> None:
        from azure.core.exceptions import HttpResponseError

        client = self.session.resources(self.sub)
        waiting: list[str] = []
        for namespace in pending:
            try:
                self._providers[namespace.lower()] = client.providers.register(namespace)
                waiting.append(namespace)
            except HttpResponseError as exc:
                error = from_sdk_error(exc, f"registering {namespace}")
                self.add(f"provider {namespace}", Status.FAIL, f"{self._state_text(namespace)}; registering failed: "
                         f"HTTP {error.status} {error.code}", error.hint or
                         f"ask an administrator to run `az provider register --namespace {namespace}`")

        def check() -> Poll[None]:
            for namespace in [ns for ns in waiting if self._state(ns) != "registered"]:
                self._providers[namespace.lower()] = client.providers.get(namespace)
            left = [ns for ns in waiting if self._state(ns) != "registered"]
            return Poll(not left, None, f"{len(waiting) - len(left)}/{len(waiting)} registered")

        try:
            if waiting:
                wait_for(check, f"registering {len(waiting)} resource provider(s)", self.timeout, initial_interval=0.2)
        except WaitTimeout:
            pass
        except HttpResponseError as exc:
            error = from_sdk_error(exc, "polling provider registration")
            for namespace in waiting:
                self.add(f"provider {namespace}", Status.FAIL, str(error), error.hint)
            return
        for namespace in waiting:
            if self._state(namespace) == "registered":
                self.add(f"provider {namespace}", Status.FIXED, "was not registered; registered now")
            else:
                self.add(f"provider {namespace}", Status.FAIL,
                         f"still {self._state_text(namespace)} after {self.timeout:g} s",
                         "registration can take several minutes: run `maas preflight --fix` again later")

    # ---------------------------------------------------------------- permissions
    def existing_workspaces(self) -> list[WorkspaceRef]:
        try:
            return list_workspaces(self.session, self.sub)
        except ArmError as exc:
            if exc.exit_code == ExitCode.BAD_INPUT:
                raise
            self.add("workspaces", Status.FAIL, f"cannot list ML workspaces: {exc}", exc.hint)
            return []

    def _entries(self, scope: str) -> list[PermissionEntry]:
        key = scope.lower()
        if key not in self._permissions:
            items = self.session.arm.list(f"{scope}/providers/Microsoft.Authorization/permissions",
                                          ApiVersion.AUTHORIZATION, what=f"reading your permissions at {scope}")
            self._permissions[key] = [PermissionEntry.from_arm(i) for i in items]
        return self._permissions[key]

    def _resource_group_exists(self, rg: str) -> bool:
        from azure.core.exceptions import HttpResponseError

        try:
            return bool(self.session.resources(self.sub).resource_groups.check_existence(rg))
        except HttpResponseError as exc:
            raise from_sdk_error(exc, f"checking resource group {rg}") from None

    def check_permissions(self, workspaces: Sequence[WorkspaceRef]) -> None:
        existing_ws = {ws.key for ws in workspaces}
        sub_scope = subscription_scope(self.sub)
        self._permission_check("permissions subscription", Scope.SUBSCRIPTION, sub_scope, "")
        self.check_program_permissions(sub_scope)
        seen: set[str] = set()
        for region, project in self.config.units():
            names = self.config.namer.workspace_names(region, project)
            rg, ws = names.resource_group, names.workspace
            try:
                rg_exists = rg.lower() in seen or self._resource_group_exists(rg)
            except ArmError as exc:
                self.add(f"permissions resource group {rg}", Status.FAIL, str(exc), exc.hint)
                continue
            if rg_exists:
                seen.add(rg.lower())
            rg_scope = resource_group_scope(self.sub, rg)
            if rg_exists:
                self._permission_check(f"permissions resource group {rg}", Scope.RESOURCE_GROUP, rg_scope, "")
            else:
                self._permission_check(f"permissions resource group {rg}", Scope.RESOURCE_GROUP, sub_scope,
                                       f"resource group {rg} does not exist yet; checked at the subscription, "
                                       "whose grants it will inherit")
            ws_ref = WorkspaceRef(self.sub, rg, ws)
            if ws_ref.key in existing_ws:
                self._permission_check(f"permissions workspace {ws}", Scope.WORKSPACE, ws_ref.id, "")
            elif rg_exists:
                self._permission_check(f"permissions workspace {ws}", Scope.WORKSPACE, rg_scope,
                                       f"workspace {ws} does not exist yet; checked at resource group {rg}, "
                                       "whose grants it will inherit")
            else:
                self._permission_check(f"permissions workspace {ws}", Scope.WORKSPACE, sub_scope,
                                       f"workspace {ws} and resource group {rg} do not exist yet; checked at "
                                       "the subscription, whose grants they will inherit")

    def _readable_entries(self, name: str, scope: str) -> list[PermissionEntry] | None:
        """Your effective permissions at `scope`, or None after recording why they could not be read
        (credential problems still end the run with exit 2)."""
        try:
            return self._entries(scope)
        except ArmError as exc:
            if exc.exit_code == ExitCode.BAD_INPUT:
                raise
            self.add(name, Status.FAIL, f"cannot read your permissions: {exc}", exc.hint)
            return None

    def _permission_check(self, name: str, scope_kind: Scope, scope: str, note: str) -> None:
        required = PERMISSIONS[scope_kind]
        entries = self._readable_entries(name, scope)
        if entries is None:
            return
        lacking = missing(entries, required)
        prefix = f"{note}; " if note else ""
        if not lacking:
            self.add(name, Status.PASS, f"{prefix}all {len(required)} {SCOPE_LABEL[scope_kind]}-scope actions granted")
        else:
            self.add(name, Status.FAIL, f"{prefix}missing {len(lacking)} of {len(required)}: "
                     f"{', '.join(describe_missing(entries, required))}", f"{how_to_grant(lacking)} at {scope}")

    def check_program_permissions(self, sub_scope: str) -> None:
        """The identity that runs `pulumi up` creates resource groups, vaults, workspaces, three custom
        role definitions and their assignments: rights no deployer persona carries, and which
        Contributor (no Microsoft.Authorization writes) or Role Based Access Control Administrator
        (no roleDefinitions/write) alone do not give. Without them the up fails half-way."""
        name = "permissions to run pulumi up"
        entries = self._readable_entries(name, sub_scope)
        if entries is None:
            return
        lacking = missing(entries, PROGRAM_ACTIONS)
        if not lacking:
            self.add(name, Status.PASS, f"all {len(PROGRAM_ACTIONS)} subscription-scope actions the program needs "
                     "(custom role definitions, role assignments, resource groups, storage, Key Vault, Log Analytics, "
                     "Application Insights, ML workspaces) granted to this identity")
            return
        authorization_only = all(a.lower().startswith("microsoft.authorization/") for a in lacking)
        roles = (f"built-in {USER_ACCESS_ADMINISTRATOR.name} (next to {CONTRIBUTOR.name}), or {OWNER.name}"
                 if authorization_only else
                 f"built-in {OWNER.name}, or {CONTRIBUTOR.name} plus {USER_ACCESS_ADMINISTRATOR.name}")
        self.add(name, Status.FAIL,
                 f"this identity misses {len(lacking)} of {len(PROGRAM_ACTIONS)} actions `pulumi up` performs: "
                 f"{', '.join(lacking)}; the up would fail",
                 f"grant the identity that runs `pulumi up` {roles} at {sub_scope} — for a pipeline, its service "
                 "principal or managed identity (`az role assignment create --assignee <its client id> --role "
                 f"\"{USER_ACCESS_ADMINISTRATOR.name if authorization_only else OWNER.name}\" --scope {sub_scope}`), "
                 "then rerun preflight as that identity (MAAS_ACCESS_TOKEN or its AZURE_CLIENT_ID); Role Based Access "
                 "Control Administrator alone cannot create the custom roles (no roleDefinitions/write)")

    # ---------------------------------------------------------------- custom-role actions vs Azure's list
    def check_role_actions(self) -> None:
        """Every action of every custom role the stack creates must match an operation Azure lists
        for its namespace, or ARM refuses the whole role definition (`InvalidActionOrNotAction`)
        and `pulumi up` stops after creating half the fleet. One line per namespace."""
        roles = custom_roles(self.config)
        by_namespace: dict[str, dict[str, list[str]]] = {}  # namespace -> action -> roles carrying it
        for role in roles:
            for action in role.actions:
                by_namespace.setdefault(namespace_of(action), {}).setdefault(action, []).append(role.name)
        for namespace, actions in sorted(by_namespace.items(), key=lambda kv: kv[0].lower()):
            name = f"role actions {namespace}"
            if "*" in namespace:
                self.add(name, Status.UNCHECKED, f"{', '.join(actions)} span every namespace; Azure validates "
                         "them when `pulumi up` creates the roles", "")
                continue
            try:
                listed = read_operations(self.session.arm, namespace)
            except ArmError as exc:
                if exc.exit_code == ExitCode.BAD_INPUT:
                    raise
                self.add(name, Status.FAIL, f"cannot read the operations Azure lists: {exc}", exc.hint)
                continue
            if listed is None:
                self.add(name, Status.UNCHECKED,
                         f"Azure lists no operations for {namespace} (providerOperations), so {len(actions)} "
                         f"action(s) could not be checked before `pulumi up`: {', '.join(actions)}",
                         f"nothing to do unless `pulumi up` reports InvalidActionOrNotAction for them; then compare "
                         f"with `az provider operation show --namespace {namespace}` and correct "
                         "infra/catalog/access.py")
                continue
            unknown = listed.unmatched(actions)
            if not unknown:
                self.add(name, Status.PASS, f"all {len(actions)} action(s) of the custom roles match operations Azure "
                         f"lists ({len(listed.operations)} operations)")
                continue
            named = ", ".join(f"{a} (in {', '.join(actions[a])})" for a in unknown)
            self.add(name, Status.FAIL,
                     f"{len(unknown)} of {len(actions)} action(s) match no operation Azure lists: {named}; ARM "
                     "rejects a role definition holding any of them (InvalidActionOrNotAction) and `pulumi up` "
                     "would stop",
                     f"remove or correct them in infra/catalog/access.py PERMISSIONS (`az provider operation show "
                     f"--namespace {namespace}` lists what exists)")

    # ---------------------------------------------------------------- regions x models
    def check_regions(self) -> None:
        provider = self._providers.get(ML_NAMESPACE.lower())
        arm_locations: set[str] | None = None
        for rt in getattr(provider, "resource_types", None) or []:
            if str(rt.resource_type).lower() == SERVERLESS_RESOURCE_TYPE.lower():
                arm_locations = {normalise_region(loc) for loc in rt.locations or []}
        for region in self.config.regions:
            offered = [m for m in self.config.models if region in MODELS[m].regions]
            refused = [m for m in self.config.models if m not in offered]
            if region not in REGIONS or refused:
                self.add(f"region {region}", Status.FAIL,
                         f"the serverless offer does not include {', '.join(refused) or 'any model'} here",
                         f"use one of: {', '.join(sorted({r for m in self.config.models for r in MODELS[m].regions}))}")
                continue
            detail = f"offers {', '.join(offered)}"
            if arm_locations is None:
                self.add(f"region {region}", Status.PASS, f"{detail} (catalog; ARM lists no locations for "
                                                          f"{SERVERLESS_RESOURCE_TYPE})")
            elif region in arm_locations:
                self.add(f"region {region}", Status.PASS, f"{detail}; ARM offers {SERVERLESS_RESOURCE_TYPE} here")
            else:
                self.add(f"region {region}", Status.FAIL,
                         f"{detail} per the catalog, but {ML_NAMESPACE} does not offer {SERVERLESS_RESOURCE_TYPE} "
                         f"in {region} for this subscription",
                         f"remove {region} from maas-fleet:regions or pick one of: "
                         f"{', '.join(sorted(arm_locations & set(REGIONS))) or '(none)'}")

def run_preflight(session: AzureSession, config: FleetConfig, subscription: ResolvedSubscription, *,
                  fix: bool = False, timeout: float = 300.0,
                  on_check: Callable[[Check], None] | None = None) -> PreflightReport:
    return Preflight(session, config, subscription, fix=fix, timeout=timeout, on_check=on_check).run()
