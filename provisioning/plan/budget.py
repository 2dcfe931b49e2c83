"""The plan's budget digest: the monthly amount and thresholds per unit resource group, and, when the
stack sets capacity targets (`maas-fleet:capacity`), the monthly cost those targets would cost at
catalog prices, so a reviewer sees whether the budget fits the load it is meant to watch.

Cost at target (the capacity rule): requests/min x 60 x the model's catalog price per image, per hour;
x 730 hours a month. The fleet client spreads a model's calls over every unit deploying it, so each
unit resource group carries an even share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.catalog import HOURS_PER_MONTH, MODELS
from infra.config import FleetConfig
from infra.options import BudgetOptions

MINUTES_PER_HOUR = 60


def capacity_targets(config: FleetConfig) -> dict[str, int]:
    """Model slug -> requests/min from `maas-fleet:capacity`, or {} where the config has no such key."""
    targets: Mapping[str, Any] = getattr(config, "capacity", None) or {}
    return {slug: int(t.requests_per_minute) for slug, t in targets.items() if slug in MODELS}


def monthly_cost_at_targets(targets: Mapping[str, int]) -> float:
    return sum(rpm * MINUTES_PER_HOUR * HOURS_PER_MONTH * MODELS[slug].price_usd_per_image
               for slug, rpm in targets.items())


def budget_digest(budget: BudgetOptions | None, targets: Mapping[str, int], units: int) -> dict[str, Any] | None:
    if budget is None:
        return None
    digest: dict[str, Any] = {
        "monthlyUsdPerResourceGroup": budget.monthly_usd,
        "thresholdsPercent": list(budget.thresholds),
        "contactEmails": list(budget.contact_emails),
        "resourceGroups": units,
        "monthlyUsdTotal": round(budget.monthly_usd * units, 2),
        "estimatedMonthlyUsdAtCapacity": None,
        "estimatedMonthlyUsdPerResourceGroup": None,
        "estimateBasis": "no capacity targets set (maas-fleet:capacity): amount and thresholds only",
    }
    if targets and units:
        total = monthly_cost_at_targets(targets)
        digest.update(
            estimatedMonthlyUsdAtCapacity=round(total, 2),
            estimatedMonthlyUsdPerResourceGroup=round(total / units, 2),
            estimateBasis="capacity targets x 60 min x 730 h x catalog price per image, spread evenly over "
            "the units",
        )
    return digest


def plan_budget(config: FleetConfig) -> dict[str, Any] | None:
    return budget_digest(config.budget, capacity_targets(config), len(config.units()))


def budget_lines(digest: Mapping[str, Any]) -> list[str]:
    """Two or three sentences for the table and Markdown renderings."""
    thresholds = ", ".join(f"{t:g}%" for t in digest["thresholdsPercent"])
    lines = [f"Budget: ${digest['monthlyUsdPerResourceGroup']:,.2f}/month on each of {digest['resourceGroups']} "
             f"unit resource groups (${digest['monthlyUsdTotal']:,.2f} in all), alerts at {thresholds} to "
             f"{len(digest['contactEmails'])} contact(s)."]
    estimate = digest["estimatedMonthlyUsdPerResourceGroup"]
    if estimate is None:
        lines.append("Estimated cost: no capacity targets set, so no estimate (amount and thresholds only).")
    else:
        verdict = "within" if estimate <= digest["monthlyUsdPerResourceGroup"] else "ABOVE"
        lines.append(f"Estimated cost at the capacity targets: ${estimate:,.2f}/month per resource group "
                     f"(${digest['estimatedMonthlyUsdAtCapacity']:,.2f} in all), {verdict} the budget.")
    return lines
