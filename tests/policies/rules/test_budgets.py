"""Budget rule (policies/rules/budgets.py) both ways."""

from __future__ import annotations

from dataclasses import replace

from infra import resource_types as t
from policies.records import ResourceRecord, Severity
from tests.support.policy_asserts import assert_no_violation, assert_violation
from tests.support.policy_builders import SUBSCRIPTION, changed, record

RULE = "budget-has-contacts"


def budget() -> ResourceRecord:
    return record(t.BUDGET, "eastus2-main-budget", {
        "budgetName": "maas-fleet-monthly", "amount": 500, "category": "Cost", "timeGrain": "Monthly",
        "scope": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-contoso-dev-main-eastus2",
        "notifications": {"actual-80-percent": {"enabled": True, "operator": "GreaterThanOrEqualTo", "threshold": 80,
                                                "thresholdType": "Actual", "contactEmails": ["finops@contoso.com"]}},
    })


def test_budget_with_contacts_is_clean() -> None:
    assert_no_violation(RULE, budget())
    by_group = changed(budget(), "notifications.actual-80-percent.contactEmails", [])
    assert_no_violation(RULE, changed(by_group, "notifications.actual-80-percent.contactGroups", ["/subscriptions/x"]))


def test_budget_without_contacts_is_mandatory() -> None:
    hit = assert_violation(RULE, changed(budget(), "notifications.actual-80-percent.contactEmails", []),
                           says="names no contact")
    assert hit.severity is Severity.MANDATORY
    assert_violation(RULE, changed(budget(), "notifications", {}), says="has no notifications")


def test_unknown_notifications_at_preview_stay_silent() -> None:
    unknown = replace(changed(budget(), "notifications", {}), unknown_paths=("notifications",))
    assert_no_violation(RULE, unknown)
