"""`maas plan` wall time against two floors (docs/architecture.md, Quality bars).

For each scenario: plan the fleet, then
- the *trivial floor*: the same number of trivial resources registered under the same mocks (what
  Pulumi's mock runtime costs before any SDK or program code runs);
- the *SDK floor*: the very resources the plan declared (same azure-native classes, same inputs),
  registered flat — no components, no Output wiring, no invokes, no policy rules. The gap between
  the two floors is pulumi-azure-native's own per-resource cost; the gap between the SDK floor and
  the plan is what our program and the plan engine add.
Also: linearity (20 projects vs 2) and the dependency-chain depth, which must not grow with regions
or models. Imports and first-run lazy loading are warmed up before timing.
"""

from __future__ import annotations

import importlib
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi  # noqa: E402

from infra.catalog import MODELS, REGIONS  # noqa: E402
from infra.config import FleetConfig, parse_stack_config  # noqa: E402
from provisioning.plan.program import SECRET_MARK, PlanResult, plan, run_program  # noqa: E402

PRINCIPALS = [
    {"principalId": "11111111-1111-4111-8111-111111111111", "principalType": "Group", "persona": "deployer"},
    {"principalId": "22222222-2222-4222-8222-222222222222", "principalType": "ServicePrincipal", "persona": "consumer"},
    {"principalId": "33333333-3333-4333-8333-333333333333", "principalType": "Group", "persona": "auditor"},
]
REPEATS = 3


def config(regions: int, models: int, projects: int) -> FleetConfig:
    return parse_stack_config(
        {
            "maas-fleet:prefix": "bench",
            "maas-fleet:regions": list(REGIONS)[:regions],
            "maas-fleet:models": list(MODELS)[:models],
            "maas-fleet:projects": [f"p{i}" for i in range(projects)],
            "maas-fleet:access": PRINCIPALS,
        },
        stack="bench",
    )


def floor(count: int) -> None:
    def program() -> None:
        for i in range(count):
            pulumi.CustomResource("maas-fleet:bench:Trivial", f"trivial-{i}", {"index": i})

    run_program(program, "bench")


def _snake(name: str) -> str:
    key = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return "resource_name_" if key == "resource_name" else key  # azure-native's rename of that input


def sdk_floor(result: PlanResult) -> None:
    specs = []
    for r in result.resources:
        if not r.custom:
            continue
        if not r.type.startswith("azure-native:"):
            # The program's own custom resources (the role-definition wait is a dynamic resource): the
            # floor registers them as plain custom resources of the same type with the same inputs.
            specs.append((None, r.name, {"type": r.type, "inputs": dict(r.inputs)}))
            continue
        _, module, cls = r.type.split(":")
        klass = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), cls)
        kwargs = {_snake(k): {"value": "placeholder"} if v == SECRET_MARK else v for k, v in r.inputs.items()}
        specs.append((klass, r.name, kwargs))

    def program() -> None:
        for klass, name, kwargs in specs:
            if klass is None:
                pulumi.CustomResource(kwargs["type"], name, kwargs["inputs"])
            else:
                klass(name, **kwargs)

    run_program(program, "bench")


def timed(fn: object, *args: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args)  # type: ignore[operator]
    return time.perf_counter() - start, result


def main() -> None:
    plan(config(1, 1, 1))  # warm-up: imports, lazy SDK modules
    floor(10)
    scenarios = [("1 region x 1 model", 1, 1, 1), ("6 regions x 3 models", 6, 3, 1),
                 ("6 x 3 x 2 projects", 6, 3, 2), ("6 x 3 x 20 projects", 6, 3, 20)]
    print(f"{'scenario':<24}{'resources':>10}{'plan s':>9}{'trivial s':>11}{'ratio':>7}{'SDK s':>8}{'ratio':>7}"
          f"{'ms/res':>8}{'depth':>7}")
    walls: dict[str, float] = {}
    for label, regions, models, projects in scenarios:
        cfg = config(regions, models, projects)
        runs = [timed(plan, cfg) for _ in range(REPEATS)]
        wall = statistics.median(t for t, _ in runs)
        result = runs[0][1]
        assert isinstance(result, PlanResult)
        count = len(result.resources)
        floor_wall = statistics.median(timed(floor, count)[0] for _ in range(REPEATS))
        sdk_wall = statistics.median(timed(sdk_floor, result)[0] for _ in range(REPEATS))
        walls[label] = wall
        print(f"{label:<24}{count:>10}{wall:>9.2f}{floor_wall:>11.2f}{wall / floor_wall:>7.2f}{sdk_wall:>8.2f}"
              f"{wall / sdk_wall:>7.2f}{1000 * wall / count:>8.2f}{result.dependency_depth():>7}", flush=True)
    growth = walls["6 x 3 x 20 projects"] / walls["6 x 3 x 2 projects"]
    print(f"linearity: 20 projects / 2 projects = {growth:.2f}x the time for 10x the resources (bar: <= 12x)")
    print(f"bar: 6 regions x 3 models <= 3 s wall -> {walls['6 regions x 3 models']:.2f} s")


if __name__ == "__main__":
    main()
