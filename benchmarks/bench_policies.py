"""Policy rules at fleet scale: evaluate() and `maas policy check` on 6 regions x 3 models x N projects.

Prints wall times and the 20-project / 2-project ratio (docs/architecture.md, Quality bars: plan time
linear in resources; the rules are part of every plan). Records come from the tests' fleet builder, so
they have the shape `maas plan` produces.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "policies")]

from infra.catalog import REGIONS  # noqa: E402
from policies.props import split_path  # noqa: E402
from policies.records import ResourceRecord  # noqa: E402
from policies.rules import evaluate  # noqa: E402
from policies.sources.documents import SECRET_SIG, SIG_KEY  # noqa: E402
from provisioning.policy_check import check_text  # noqa: E402
from tests.support.policy_builders import fleet  # noqa: E402


def export(records: list[ResourceRecord]) -> str:
    """A minimal `pulumi stack export` document holding the records as ResourceV3 inputs."""
    def urn(name: str, type_token: str) -> str:
        return f"urn:pulumi:bench::maas-fleet::{type_token}::{name}"

    types = {r.name: r.type for r in records}
    resources = [
        {
            "urn": urn(r.name, r.type),
            "custom": r.type.startswith("azure-native:"),
            "type": r.type,
            ("outputs" if r.type == "pulumi:pulumi:Stack" else "inputs"): with_secrets(r),
            "dependencies": [urn(d, types[d]) for d in r.dependencies if d in types],
        }
        for r in records
    ]
    return json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": resources}})


def with_secrets(record: ResourceRecord) -> dict[str, Any]:
    """The record's properties with every secret path holding a ciphertext, as in real state."""
    properties = copy.deepcopy(dict(record.properties))
    for path in record.secret_paths:
        *parents, leaf = split_path(path)
        node: Any = properties
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(leaf) if isinstance(node, list) else leaf] = {
            SIG_KEY: SECRET_SIG, "ciphertext": "v1:bench"}
    return properties


def best_of(runs: int, fn: object) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    regions = tuple(REGIONS)
    results = {}
    for projects in (2, 20):
        records = fleet(regions=regions, projects=tuple(f"p{i}" for i in range(projects)))
        document = export(records)
        assert evaluate(records) == []
        assert check_text(document, "bench.json").violations == []
        rules_s = best_of(5, lambda records=records: evaluate(records))
        check_s = best_of(3, lambda document=document: check_text(document, "bench.json"))
        results[projects] = (len(records), rules_s, check_s)
        print(f"{len(regions)} regions x 3 models x {projects:>2} projects: {len(records):>5} records, "
              f"evaluate {rules_s * 1000:7.1f} ms, policy check of a {len(document) / 1e6:.1f} MB export "
              f"{check_s * 1000:7.1f} ms")
    (n2, r2, c2), (n20, r20, c20) = results[2], results[20]
    print(f"records x{n20 / n2:.1f}: evaluate x{r20 / r2:.1f}, policy check x{c20 / c2:.1f} "
          f"(linear: about x{n20 / n2:.1f})")


if __name__ == "__main__":
    main()
