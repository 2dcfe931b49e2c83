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
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from infra.catalog import (
    CONTRIBUTOR,
    MODELS,
    OWNER,
    PERMISSIONS,
    PROGRAM_ACTIONS,
    REGIONS,
    REGISTRY,
    RESOURCE_PROVIDERS,
    UNPAID_QUOTA_ID_PREFIXES,
    USER_ACCESS_ADMINISTRATOR,
    Scope,
    normalise_region,
)
from infra.rbac import custom_roles
from provisioning.azure.arm import resource_group_scope, subscription_scope
from provisioning.azure.errors import ArmError, from_sdk_error
from provisioning.azure.permissions import SCOPE_LABEL, PermissionEntry, describe_missing, how_to_grant, missing
from provisioning.azure.polling import Poll, WaitTimeout, wait_for
from provisioning.azure.provider_operations import namespace_of, read_operations
from provisioning.azure.session import (
    ENV_ACCESS_TOKEN,
    ApiVersion,
    AzureSession,
    ResolvedSubscription,
    StaticTokenCredential,
    enum_value,
)
from provisioning.errors import CredentialError, ExitCode
from provisioning.operations.endpoints import WorkspaceRef, list_endpoints, list_workspaces

if TYPE_CHECKING:
    from infra.config import FleetConfig

ML_NAMESPACE = "Microsoft.MachineLearningServices"
SERVERLESS_RESOURCE_TYPE = "workspaces/serverlessEndpoints"
PRIVATE_STORES_PATH: Final = "/providers/Microsoft.Marketplace/privateStores"  # PrivateStore_List
MARKETPLACE_API_VERSION: Final = "2023-01-01"
BILLING_API_VERSION: Final = "2024-04-01"  # Policies_GetBySubscription
MAX_NAME_SUBSCRIPTIONS: Final = 50  # other subscriptions searched for endpoint names (one listing each)


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    FIXED = "fixed"
    UNCHECKED = "unchecked"  # "could not check": ARM cannot tell this caller; the detail says whom to ask


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def document(self) -> dict[str, str]:
        return {"name": self.name, "status": str(self.status), "detail": self.detail, "fix": self.fix}


@dataclass
class PreflightReport:
    checks: list[Check] = field(default_factory=list)
    fatal: ExitCode | None = None  # set when the run had to stop (credential, subscription)

    @property
    def exit_code(self) -> ExitCode:
        if self.fatal is not None:
            return self.fatal
        return ExitCode.FAILED if any(c.status is Status.FAIL for c in self.checks) else ExitCode.OK

    def document(self) -> dict[str, Any]:
        return {"checks": [c.document() for c in self.checks]}


class _Stop(Exception):
    """Later checks cannot run; the report already holds the reason."""


@dataclass
class Preflight:
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
        try:
            self._providers = {str(p.namespace).lower(): p for p in client.providers.list()}
        except HttpResponseError as exc:
            error = from_sdk_error(exc, "listing resource providers")
            for namespace in RESOURCE_PROVIDERS:
                self.add(f"provider {namespace}", Status.FAIL, f"cannot read its registration: {error}", error.hint)
            return
        pending = [ns for ns in RESOURCE_PROVIDERS if self._state(ns) != "registered"]
        for namespace in RESOURCE_PROVIDERS:
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
                         f"with `az provider operation show --namespace {namespace}` and correct infra/catalog.py")
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
                     f"remove or correct them in infra/catalog.py PERMISSIONS (`az provider operation show "
                     f"--namespace {namespace}` lists what exists)")

    # ---------------------------------------------------------------- marketplace purchase readiness
    def check_marketplace(self, workspaces: Sequence[WorkspaceRef]) -> None:
        """What ARM can tell about buying the model offers, beyond the offer type and the providers
        (checked above): a private Azure Marketplace, the subscription's billing policy, and the
        state of marketplace subscriptions that already exist. Where ARM cannot tell, one line says
        what to ask the billing or Marketplace admin.

        Offer terms need no line of their own: creating the marketplace subscription accepts them
        (Azure ML how-to, Deploy models as serverless APIs), which the deployer's
        `agreements/offers/plans/sign/action` (checked above) allows; MarketplaceOrdering's
        `offerTypes/…/agreements` API is for virtual-machine items (its operation reads "Get an
        agreement for a given marketplace virtual machine item"), not for these SaaS model offers."""
        self._check_private_marketplace()
        self._check_billing_policy()
        self._check_existing_marketplace_subscriptions(workspaces)

    def _check_private_marketplace(self) -> None:
        name = "marketplace private store"
        ask = ("ask your Azure Marketplace admin whether a private Azure Marketplace is on for this tenant and, if "
               f"so, to approve the Stability AI model offers (registry {REGISTRY}) for this subscription")
        try:
            stores = list(self.session.arm.list(PRIVATE_STORES_PATH, MARKETPLACE_API_VERSION,
                                                what="reading the tenant's private Azure Marketplace"))
        except ArmError as exc:
            if exc.exit_code == ExitCode.BAD_INPUT:
                raise
            self.add(name, Status.UNCHECKED, f"could not read the private Azure Marketplace settings "
                     f"({_answer_text(exc)})", ask)
            return
        enabled = [s for s in stores
                   if str((s.get("properties") or {}).get("availability") or "").lower() == "enabled"]
        if not enabled:
            self.add(name, Status.PASS, "no private Azure Marketplace is enabled in this tenant")
            return
        store = str((enabled[0].get("properties") or {}).get("privateStoreId") or enabled[0].get("name") or "")
        self.add(name, Status.UNCHECKED,
                 f"private Azure Marketplace {store} is enabled: purchases it governs are limited to the items its "
                 "admins approved, and ARM does not show this caller whether the Stability AI offers are among them",
                 ask)

    def _check_billing_policy(self) -> None:
        name = "marketplace billing policy"
        ask = ("ask your billing administrator whether Azure Marketplace purchases are allowed for this "
               f"subscription's billing account or billing profile (EA enrollment / MCA billing profile policy "
               f"'Azure Marketplace'), and to allow them for {self.sub}")
        try:
            path = f"{subscription_scope(self.sub)}/providers/Microsoft.Billing/policies/default"
            answer = self.session.arm.get(path, BILLING_API_VERSION, what="reading the subscription's billing policies")
        except ArmError as exc:
            if exc.exit_code == ExitCode.BAD_INPUT:
                raise
            self.add(name, Status.UNCHECKED, "ARM does not show this subscription's Azure Marketplace purchase "
                     f"policy to this caller ({_answer_text(exc)})", ask)
            return
        policies = ((answer.body or {}).get("properties") or {}).get("policies") or []
        marketplace = [p for p in policies if isinstance(p, dict) and "marketplace" in str(p.get("name", "")).lower()]
        if not marketplace:
            self.add(name, Status.UNCHECKED, "the subscription's billing policies do not include the Azure "
                     "Marketplace purchase policy (it is set on the billing account or profile)", ask)
            return
        value = str(marketplace[0].get("value") or "")
        if value.lower() in ("allallowed", "allowed"):
            self.add(name, Status.PASS, f"{marketplace[0].get('name')} is {value}")
        else:
            self.add(name, Status.FAIL,
                     f"{marketplace[0].get('name')} is {value or 'not set'}: paid Azure Marketplace offers such as the "
                     "Stability AI models cannot be bought with this subscription", ask)

    def _check_existing_marketplace_subscriptions(self, workspaces: Sequence[WorkspaceRef]) -> None:
        """A planned workspace that already subscribed to a model: Suspended or Unsubscribed means
        the endpoint cannot be called through it (the Marketplace SaaS subscription states)."""
        existing = {ws.key for ws in workspaces}
        for region, project in self.config.units():
            names = self.config.namer.workspace_names(region, project)
            ws = WorkspaceRef(self.sub, names.resource_group, names.workspace, region)
            if ws.key not in existing:
                continue
            try:
                items = list(self.session.arm.list(f"{ws.id}/marketplaceSubscriptions", ApiVersion.MACHINE_LEARNING,
                                                   what=f"listing marketplace subscriptions in {ws.name}"))
            except ArmError as exc:
                if exc.exit_code == ExitCode.BAD_INPUT:
                    raise
                self.add(f"marketplace subscriptions {ws.name}", Status.FAIL, str(exc), exc.hint)
                continue
            by_model = {str((i.get("properties") or {}).get("modelId") or "").lower(): i for i in items}
            for model in self.config.model_specs:
                item = by_model.get(model.asset_id.lower())
                if item is None:
                    continue
                status = str((item.get("properties") or {}).get("marketplaceSubscriptionStatus") or "")
                label = f"marketplace subscription {item.get('name')} ({ws.name})"
                if status.lower() == "subscribed":
                    self.add(label, Status.PASS, f"{model.name} is Subscribed")
                else:
                    self.add(label, Status.FAIL,
                             f"{model.name} is {status or 'in an unknown state'}: its endpoint cannot be called "
                             "until the subscription is Subscribed again",
                             "Suspended usually means Azure Marketplace could not bill it: settle the billing "
                             "account's payment, or delete the marketplace subscription so `pulumi up` creates a "
                             "new one")

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

    # ---------------------------------------------------------------- endpoint names
    def _other_subscriptions(self) -> tuple[list[str], int]:
        """Other subscriptions this caller can read (at most MAX_NAME_SUBSCRIPTIONS), and how many
        more were left out."""
        from azure.core.exceptions import HttpResponseError

        try:
            subs = [str(s.subscription_id) for s in self.session.subscriptions().subscriptions.list()
                    if str(s.subscription_id).lower() != self.sub.lower()]
        except HttpResponseError:
            return [], 0
        return subs[:MAX_NAME_SUBSCRIPTIONS], max(0, len(subs) - MAX_NAME_SUBSCRIPTIONS)

    def check_endpoint_names(self, workspaces: Sequence[WorkspaceRef]) -> None:
        """Endpoint names are unique per region across all of Azure, other customers included, and
        ARM lists only what this caller can read: a name is never called free, only "not taken in
        the subscriptions you can read"; the deploy-time refusal has its own line in errors.py."""
        regions = {r.lower() for r in self.config.regions}
        in_regions = [ws for ws in workspaces if ws.location in regions]
        others, left_out = self._other_subscriptions()
        unreadable = 0
        for other in others:
            try:
                in_regions.extend(list_workspaces(self.session, other, regions))
            except ArmError as exc:
                if exc.exit_code == ExitCode.BAD_INPUT:
                    raise
                unreadable += 1
        listing = list_endpoints(self.session, in_regions)
        failed_regions: dict[str, list[str]] = {}
        for error in listing.errors:
            ws = next((w for w in in_regions if w.name.lower() in error.what.lower()), None)
            failed_regions.setdefault(ws.location if ws else "", []).append(str(error))
        taken = {(e.region, e.name.lower()): e for e in listing.endpoints}
        counts: dict[str, int] = {}
        for e in listing.endpoints:
            counts[e.region] = counts.get(e.region, 0) + 1
        searched = 1 + len(others) - unreadable
        scope = f"the {searched} subscription(s) you can read"
        if left_out:
            scope += f" ({left_out} more not searched)"
        for region, project, model in self.config.endpoints():
            name = self.config.namer.endpoint(project, model)
            names = self.config.namer.workspace_names(region, project)
            label = f"endpoint name {name} ({region})"
            holder = taken.get((region, name.lower()))
            if holder is not None:
                if (holder.subscription.lower(), holder.resource_group.lower(), holder.workspace.lower()) == (
                        self.sub.lower(), names.resource_group.lower(), names.workspace.lower()):
                    self.add(label, Status.PASS, f"exists in the planned workspace {names.workspace} "
                                                 f"({holder.model}, {holder.provisioning_state}); pulumi up keeps it")
                else:
                    self.add(label, Status.FAIL,
                             f"taken in {region} by workspace {holder.workspace} (resource group "
                             f"{holder.resource_group}, subscription {holder.subscription})",
                             "endpoint names are unique per region: change maas-fleet:prefix, environment or the "
                             "project name, or delete that endpoint")
                continue
            problems = failed_regions.get(region) or failed_regions.get("")
            if problems:
                self.add(label, Status.FAIL, f"not verified: {problems[0]}",
                         "grant read on the workspaces in this region (auditor persona / Reader), then rerun")
            else:
                self.add(label, Status.PASS,
                         f"not taken in {scope} ({counts.get(region, 0)} serverless endpoint(s) in {region}); names "
                         "are unique per region across all of Azure, other tenants included, which no listing shows")


def _answer_text(exc: ArmError) -> str:
    """`HTTP 403 AuthorizationFailed`: what ARM answered, without the long message."""
    return " ".join(part for part in (f"HTTP {exc.status}" if exc.status else "", exc.code) if part) or "no answer"


def run_preflight(session: AzureSession, config: FleetConfig, subscription: ResolvedSubscription, *,
                  fix: bool = False, timeout: float = 300.0,
                  on_check: Callable[[Check], None] | None = None) -> PreflightReport:
    return Preflight(session, config, subscription, fix=fix, timeout=timeout, on_check=on_check).run()
