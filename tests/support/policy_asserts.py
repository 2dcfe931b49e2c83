"""Asserting on one policy rule by id: it reports (with a useful message and a fix) or it does not."""

from __future__ import annotations

from policies.records import ResourceRecord, Violation
from policies.rules import RULES_BY_ID


def run(rule_id: str, *records: ResourceRecord) -> list[Violation]:
    return RULES_BY_ID[rule_id].run(list(records))


def assert_violation(rule_id: str, *records: ResourceRecord, resource: str | None = None, says: str = "") -> Violation:
    found = run(rule_id, *records)
    assert found, f"{rule_id} found nothing"
    hit = found[0] if resource is None else next((v for v in found if v.resource == resource), None)
    assert hit is not None, f"{rule_id} reported {[v.resource for v in found]}, not {resource}"
    assert hit.policy == rule_id and hit.severity is RULES_BY_ID[rule_id].severity
    assert says in hit.message, hit.message
    assert hit.fix, "every violation carries a fix"
    assert f"'{hit.resource}'" in hit.message, "the message names the resource"
    return hit


def assert_no_violation(rule_id: str, *records: ResourceRecord) -> None:
    found = run(rule_id, *records)
    assert not found, [v.message for v in found]
