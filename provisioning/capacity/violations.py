"""An unmet configured capacity target as the plan's mandatory violation `capacity-meets-target`.

Why here and not in policies/rules/: the rule compares the config's target with what it deploys. The
records the rules read (plan mocks, a CrossGuard preview, a stack export) carry no target, so a rule
over records could only ever fire inside `maas plan`; it lives with the capacity arithmetic and the
plan adds its findings next to the rules' own.
"""

from __future__ import annotations

from infra.config import FleetConfig
from policies.records import Severity, Violation
from provisioning.capacity.arithmetic import fleet_capacity, projects_to_meet

POLICY_ID = "capacity-meets-target"


def capacity_violations(config: FleetConfig) -> list[Violation]:
    violations = []
    for result in fleet_capacity(config):
        if result.meets_target:
            continue
        after = " after losing a region" if result.survive == "region" else ""
        projects = projects_to_meet(config, result.projects_needed)
        violations.append(
            Violation(
                policy=POLICY_ID,
                severity=Severity.MANDATORY,
                resource="",
                message=(
                    f"{result.model} must carry {result.target_rpm} requests/min{after}; "
                    f"{len(result.regions)} region(s) x {len(result.projects)} project(s) carry "
                    f"{result.capacity_that_counts}"
                ),
                fix=f"set maas-fleet:projects to [{', '.join(projects)}] ({result.projects_needed} projects x "
                f"{len(result.regions)} regions), or lower maas-fleet:capacity.{result.model}.requestsPerMinute",
            )
        )
    return violations
