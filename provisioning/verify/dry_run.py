"""`maas verify --dry-run`: which endpoints a run would verify, how many billable images it would
generate and what they would cost at catalog list prices; nothing is sent.

From an inventory or a deployed stack the endpoints are the ones listed there; from a stack config
(before anything is deployed) they are the endpoints the program would create, named by the same
Namer, so a cost is known before `pulumi up`. Their URIs are unknown until Azure assigns them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from rich.table import Table

from infra.catalog import INFERENCE_HOST_SUFFIX
from infra.config_model import DeclaredEndpoint
from provisioning.camel_document import camel_document
from provisioning.inputs.inventory import InventoryEndpoint
from provisioning.verify.checks import Target, expected_images
from provisioning.verify.cost import CostEstimate
from provisioning.verify.dialects import DIALECTS
from provisioning.verify.options import VerifyOptions


@dataclass(frozen=True)
class DryRunEndpoint:
    name: str
    region: str
    project: str
    model: str
    uri: str | None  # None: planned, Azure assigns it at deployment
    images: int
    usd: float

    def document(self) -> dict[str, Any]:
        return camel_document(self, keys={"images": "billableImages", "usd": "estimatedCostUsd"},
                              values={"usd": lambda usd: round(usd, 6)})


@dataclass(frozen=True)
class DryRun:
    endpoints: list[DryRunEndpoint]
    source: str
    planned: bool

    @property
    def cost(self) -> CostEstimate:
        """The totals in the cost guard's terms: what a run would weigh against --max-images."""
        return CostEstimate(len(self.endpoints), sum(e.images for e in self.endpoints),
                            sum(e.usd for e in self.endpoints))

    def document(self) -> dict[str, Any]:
        cost = self.cost
        return {"endpoints": [e.document() for e in self.endpoints], "billableImages": cost.images,
                "estimatedCostUsd": round(cost.usd, 6)}


def _cost(endpoint: InventoryEndpoint, options: VerifyOptions) -> list[float]:
    dialect = endpoint.dialect or options.dialect
    return expected_images(Target(endpoint, DIALECTS[dialect]), options)


def from_inventory(endpoints: Sequence[InventoryEndpoint], options: VerifyOptions, source: str) -> DryRun:
    rows = []
    for endpoint in endpoints:
        prices = _cost(endpoint, options)
        rows.append(DryRunEndpoint(endpoint.name, endpoint.region, endpoint.project, endpoint.model, endpoint.uri,
                                   len(prices), sum(prices)))
    return DryRun(rows, source, planned=False)


def from_plan(endpoints: Sequence[DeclaredEndpoint], options: VerifyOptions, source: str) -> DryRun:
    rows = []
    for planned in endpoints:
        # The suite a planned endpoint gets depends on its model and dialect, not on its address: the
        # estimate is made on a stand-in entry whose host has the public shape; it is never shown.
        stand_in = InventoryEndpoint(region=planned.region, project=planned.project, model=planned.model,
                                     name=planned.name,
                                     uri=f"https://{planned.name}.{planned.region}.{INFERENCE_HOST_SUFFIX}")
        prices = _cost(stand_in, options)
        rows.append(DryRunEndpoint(planned.name, planned.region, planned.project, planned.model, None,
                                   len(prices), sum(prices)))
    return DryRun(rows, source, planned=True)


def table(plan: DryRun) -> Table:
    """One row per endpoint a run would verify; the caption says where they came from."""
    where = ("planned from the stack config: URIs are assigned by Azure at deployment" if plan.planned
             else f"from {plan.source}")
    out = Table(title="maas verify --dry-run (nothing sent)", title_justify="left", caption=escape(where),
                caption_justify="left")
    for column in ("Region", "Project", "Model", "Endpoint", "Billable images", "Est. cost (USD)"):
        numeric = column.startswith(("Billable", "Est."))
        out.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for e in plan.endpoints:
        out.add_row(escape(e.region), escape(e.project), escape(e.model), escape(e.name), str(e.images),
                    f"{e.usd:.4f}")
    total = plan.cost
    out.add_row("", "", "", "total", str(total.images), f"{total.usd:.4f}", style="bold")
    return out
