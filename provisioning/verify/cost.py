"""The cost guard: how many billable images a run will make and what they cost, known before the
first request leaves, so a typo in an inventory cannot turn a smoke test into a bill."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from provisioning.errors import BadInput
from provisioning.ui.plural import count
from provisioning.verify.checks import Target, expected_images
from provisioning.verify.options import VerifyOptions
from provisioning.verify.selection import FILTER_OPTIONS


@dataclass(frozen=True)
class CostEstimate:
    endpoints: int
    images: int
    usd: float

    def line(self) -> str:
        return (
            f"{count(self.endpoints, 'endpoint')}, {count(self.images, 'billable image')}, "
            f"about ${self.usd:.4f} at catalog list prices"
        )


def estimate(targets: Sequence[Target], options: VerifyOptions) -> CostEstimate:
    prices = [p for t in targets for p in expected_images(t, options)]
    return CostEstimate(len(targets), len(prices), sum(prices))


def enforce(cost: CostEstimate, max_images: int) -> None:
    """Refuse (exit 2, nothing sent) when the run would generate more than `max_images`."""
    if cost.images > max_images:
        raise BadInput(
            f"refusing to run: {cost.line()} exceeds --max-images {max_images}; "
            f"raise --max-images to at least {cost.images}, or verify fewer endpoints ({FILTER_OPTIONS}; "
            "`--dry-run` shows what a run would cost)"
        )
