"""Per model: the target, what the config deploys, what it carries (also after losing a region), what
it would need, and what carrying the target costs.

The numbers (all from infra/catalog): every project of a stack has one workspace per region and
each workspace one deployment per model, so a model has `regions x projects` deployments, each capped
at REQUESTS_PER_MINUTE. Losing a region loses the region with the most deployments of the model; in
a stack every region holds `projects` of them, so what remains is `(regions - 1) x projects` deployments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from infra.catalog import MODELS, REQUESTS_PER_MINUTE
from infra.config_model import SURVIVE_CHOICES, CapacityTarget, FleetConfig
from provisioning.camel_document import camel_document
from provisioning.errors import BadInput

MINUTES_PER_HOUR = 60


@dataclass(frozen=True)
class ModelCapacity:
    model: str
    target_rpm: int
    survive: str
    regions: tuple[str, ...]
    projects: tuple[str, ...]
    deployments_configured: int
    capacity_rpm: int
    capacity_rpm_after_region_loss: int
    deployments_needed: int
    projects_needed: int
    meets_target: bool
    estimated_usd_per_hour_at_target: float
    configured: bool  # False for a what-if target the config does not state

    @property
    def capacity_that_counts(self) -> int:
        """The capacity the target is measured against: after a region loss when it must survive one."""
        return self.capacity_rpm_after_region_loss if self.survive == "region" else self.capacity_rpm

    def as_dict(self) -> dict[str, Any]:
        return camel_document(self, omit=("configured",))


def projects_needed(target_rpm: int, regions: int, survive: str, per_deployment: int = REQUESTS_PER_MINUTE) -> int:
    """The smallest project count whose deployments carry `target_rpm` in `regions` regions (with one
    region gone when `survive` is `region`, which therefore needs two regions)."""
    serving_regions = regions - 1 if survive == "region" else regions
    if serving_regions < 1:
        raise ValueError(f"survive: region needs at least two regions, got {regions}")
    return max(1, math.ceil(target_rpm / (serving_regions * per_deployment)))


def model_capacity(
    model: str,
    target: CapacityTarget,
    regions: Sequence[str],
    projects: Sequence[str],
    *,
    configured: bool = True,
    per_deployment: int = REQUESTS_PER_MINUTE,
) -> ModelCapacity:
    spec = MODELS[model]
    offered = tuple(r for r in regions if r in spec.regions)
    per_region = len(projects)  # one deployment of the model per project's workspace in each region
    deployments = len(offered) * per_region
    capacity = deployments * per_deployment
    after_loss = (deployments - per_region) * per_deployment if offered else 0
    needed_projects = projects_needed(target.requests_per_minute, len(offered), target.survive, per_deployment)
    if target.survive == "region":
        needed_deployments = len(offered) * needed_projects
        meets = after_loss >= target.requests_per_minute
    else:
        needed_deployments = math.ceil(target.requests_per_minute / per_deployment)
        meets = capacity >= target.requests_per_minute
    usd_per_hour = target.requests_per_minute * MINUTES_PER_HOUR * spec.price_usd_per_image
    return ModelCapacity(
        model=model,
        target_rpm=target.requests_per_minute,
        survive=target.survive,
        regions=offered,
        projects=tuple(projects),
        deployments_configured=deployments,
        capacity_rpm=capacity,
        capacity_rpm_after_region_loss=after_loss,
        deployments_needed=needed_deployments,
        projects_needed=needed_projects,
        meets_target=meets,
        estimated_usd_per_hour_at_target=round(usd_per_hour, 2),
        configured=configured,
    )


@dataclass(frozen=True)
class WhatIf:
    """A target given on the command line (`--model --rpm --survive`), replacing the config's for that model."""

    model: str
    requests_per_minute: int
    survive: str = "none"


def check_what_if(what_if: WhatIf, config: FleetConfig) -> CapacityTarget:
    """One line per problem (exit 2) for a what-if target, before any arithmetic."""
    problems: list[str] = []
    if what_if.model not in MODELS:
        problems.append(f"--model {what_if.model!r} is not a catalog model (allowed: {', '.join(MODELS)})")
    if what_if.requests_per_minute < 1:
        problems.append(f"--rpm {what_if.requests_per_minute}: must be a positive whole number of requests per minute")
    if what_if.survive not in SURVIVE_CHOICES:
        problems.append(f"--survive {what_if.survive!r} is not one of {', '.join(SURVIVE_CHOICES)}")
    elif what_if.survive == "region" and len(config.regions) < 2:
        problems.append(f"--survive region needs at least two regions (stack {config.stack} has "
                        f"{len(config.regions)}: {', '.join(config.regions)})")
    if problems:
        raise BadInput(problems)
    return CapacityTarget(requests_per_minute=what_if.requests_per_minute, survive=what_if.survive)


def fleet_capacity(
    config: FleetConfig, what_if: WhatIf | None = None, survive: str | None = None
) -> list[ModelCapacity]:
    """Every configured target (in the config's model order), with the what-if target added or replacing
    one; `survive` (what if every configured target had to survive a region?) overrides theirs."""
    if survive is not None and what_if is None:
        check_what_if(WhatIf(next(iter(MODELS)), 1, survive), config)  # the same one-line refusals
    targets: dict[str, tuple[CapacityTarget, bool]] = {
        slug: (t if survive is None else t.model_copy(update={"survive": survive}), survive is None)
        for slug, t in config.capacity.items()
    }
    if what_if is not None:
        targets[what_if.model] = (check_what_if(what_if, config), False)
    order = [m for m in config.models if m in targets] + [m for m in targets if m not in config.models]
    results = []
    for slug in order:
        target, configured = targets[slug]
        deployed_projects = config.projects if slug in config.models else ()
        results.append(model_capacity(slug, target, config.regions, deployed_projects, configured=configured))
    return results


def projects_to_meet(config: FleetConfig, needed: int) -> list[str]:
    """The config's projects extended with new names (`p2`, `p3`, ...) up to `needed` entries: the
    `maas-fleet:projects` list a fix can name."""
    projects = list(config.projects)
    n = len(projects)
    while len(projects) < needed:
        n += 1
        candidate = f"p{n}"
        if candidate not in projects:
            projects.append(candidate)
    return projects


def capacity_document(results: Sequence[ModelCapacity]) -> dict[str, Any]:
    """The `maas capacity --format json` document."""
    return {
        "limits": {"requestsPerMinutePerDeployment": REQUESTS_PER_MINUTE},
        "models": [r.as_dict() for r in results],
    }
