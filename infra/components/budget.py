"""A monthly cost budget on a unit's resource group, alerting by e-mail at each threshold.

Why per resource group: each marketplace subscription creates a SaaS resource whose charges land in
the unit's resource group (with the endpoint's own consumption), so the group's cost is the unit's cost.
"""

from __future__ import annotations

import datetime as dt

import pulumi
from pulumi_azure_native import consumption

from infra import catalog
from infra.options import BudgetOptions


def first_of_this_month(today: dt.date | None = None) -> str:
    """Azure requires a budget to start on the first of a month, and a past start within the current
    period: the month of the first `pulumi up`. Later runs ignore the field (see ignore_changes)."""
    today = today or dt.datetime.now(dt.UTC).date()
    return f"{today:%Y-%m}-01T00:00:00Z"


def notifications(options: BudgetOptions) -> dict[str, dict[str, object]]:
    return {
        f"actual-{threshold:g}-percent".replace(".", "-"): {
            "enabled": True,
            "operator": catalog.BUDGET_OPERATOR,
            "threshold": threshold,
            "threshold_type": "Actual",
            "contact_emails": list(options.contact_emails),
        }
        for threshold in options.thresholds
    }


def unit_budget(
    name: str, resource_group_id: pulumi.Input[str], options: BudgetOptions, parent: pulumi.Resource
) -> consumption.Budget:
    return consumption.Budget(
        name,
        budget_name=catalog.BUDGET_NAME,
        scope=resource_group_id,
        amount=options.monthly_usd,
        category=catalog.BUDGET_CATEGORY,
        time_grain=catalog.BUDGET_TIME_GRAIN,
        time_period={"start_date": first_of_this_month()},
        notifications=notifications(options),
        # The start date is the month of creation; re-planning next month must not move it.
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["timePeriod"]),
    )
