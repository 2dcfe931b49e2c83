"""Preflight's Marketplace purchase-readiness checks: a private Azure Marketplace, the subscription's
billing policy, and the state of marketplace subscriptions that already exist in planned workspaces.
Where ARM cannot tell this caller, one line says what to ask the billing or Marketplace admin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from infra.catalog import REGISTRY
from provisioning.azure.errors import ArmError
from provisioning.azure.resource_ids import subscription_scope
from provisioning.azure.session import ApiVersion
from provisioning.errors import ExitCode
from provisioning.operations.endpoints import WorkspaceRef
from provisioning.operations.preflight_report import CheckGroup, Status, answer_text

PRIVATE_STORES_PATH: Final = "/providers/Microsoft.Marketplace/privateStores"  # PrivateStore_List
MARKETPLACE_API_VERSION: Final = "2023-01-01"
BILLING_API_VERSION: Final = "2024-04-01"  # Policies_GetBySubscription


class MarketplaceChecks(CheckGroup):
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
                     f"({answer_text(exc)})", ask)
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
                     f"policy to this caller ({answer_text(exc)})", ask)
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
