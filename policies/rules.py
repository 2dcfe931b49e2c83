"""Placeholder until the policy pack lands (issue 5)."""

from collections.abc import Sequence

from policies.records import ResourceRecord, Violation

RULES: tuple = ()


def evaluate(records: Sequence[ResourceRecord]) -> list[Violation]:
    return []
