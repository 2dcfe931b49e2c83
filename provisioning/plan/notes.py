"""What a plan cannot know yet, said next to the values it affects.

Without `azure-native:subscriptionId` the plan runs against a placeholder subscription: the
globally unique names (both Key Vaults, storage account) and the endpoint names (their hash or tag
includes the subscription), the custom role names (they carry the subscription's first 8
characters) and every resource id under /subscriptions/... are built from it and change once the
subscription is set. The tables mark those values and the JSON says so in `notes`.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.naming import PLACEHOLDER_SUBSCRIPTION
from provisioning.plan.program import PlanResult

MARK = "*"
_SHORT = PLACEHOLDER_SUBSCRIPTION.split("-")[0]


@dataclass(frozen=True)
class PlanNotes:
    placeholder_subscription: bool
    dependent_names: frozenset[str]

    def marks(self, text: str) -> bool:
        """True when `text` holds a value built from the placeholder subscription."""
        if not self.placeholder_subscription:
            return False
        return (f"[{_SHORT}]" in text or PLACEHOLDER_SUBSCRIPTION in text
                or any(name in text for name in self.dependent_names))

    def mark(self, text: str) -> str:
        return f"{text} {MARK}" if self.marks(text) else text

    def lines(self) -> list[str]:
        if not self.placeholder_subscription:
            return []
        return [f"azure-native:subscriptionId is not set: values marked {MARK} (Key Vault, storage account and "
                f"endpoint names, whose hash includes the subscription; custom role names, which carry [{_SHORT}]; ids "
                f"under /subscriptions/{PLACEHOLDER_SUBSCRIPTION}) are built from a placeholder subscription and "
                "change once it is set (`pulumi config set azure-native:subscriptionId <id>`)"]


def plan_notes(plan: PlanResult) -> PlanNotes:
    config = plan.config
    if config.subscription_id:
        return PlanNotes(False, frozenset())
    names: set[str] = set()
    for region, project in config.units():
        unit = config.namer.workspace_names(region, project, PLACEHOLDER_SUBSCRIPTION)
        names.update((unit.key_vault, unit.keys_vault, unit.storage_account))
    names.update(e.name for e in config.declared_endpoints())  # the config's namer: the placeholder here
    return PlanNotes(True, frozenset(names))
