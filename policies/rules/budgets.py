"""Rules about cost budgets: a budget alerts somebody. A budget whose notifications name no contact
(e-mails, action groups or roles) watches the spend and tells no one, which reads as cover while
giving none; maas-fleet's config refuses it, and this rule catches one written or edited by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from infra.resource_types import BUDGET
from policies.engine import Finding, resource_rule
from policies.props import dig, is_unknown
from policies.records import ResourceRecord, Severity
from policies.rules.common import label

_M = Severity.MANDATORY
_CONTACT_KEYS: Final = ("contactEmails", "contactGroups", "contactRoles")  # Budgets REST API: Notification


@resource_rule(
    "budget-has-contacts", _M, (BUDGET,),
    "Every notification of a cost budget names at least one contact (e-mail, action group or role).",
    fix="set maas-fleet:budget.contactEmails",
)
def budget_has_contacts(record: ResourceRecord) -> Iterator[Finding]:
    if is_unknown(record, "notifications"):
        return
    notifications: Any = dig(record.properties, "notifications")
    if not isinstance(notifications, dict) or not notifications:
        yield Finding(record.name, f"{label(record)} has no notifications; it alerts nobody",
                      "set maas-fleet:budget.contactEmails (thresholds default to 80 and 100 percent)")
        return
    for key, notification in notifications.items():
        if not isinstance(notification, dict) or any(
            is_unknown(record, f"notifications.{key}.{c}") for c in _CONTACT_KEYS
        ):
            continue
        if not any(notification.get(c) for c in _CONTACT_KEYS):
            yield Finding(record.name, f"{label(record)} notification {key!r} names no contact; it alerts nobody",
                          "set maas-fleet:budget.contactEmails")
