"""Which endpoints a run verifies: `--region`, `--model`, `--project`, `--endpoint` (each repeatable).

Why: the cost guard tells a user to verify fewer endpoints; these options are how. Filters of
different kinds narrow together (a region AND a model), values of one kind widen (either region).
A value that can never match (a region the catalog does not know, an endpoint name that is not in
the inventory) is refused with one line, before anything is sent: a typo must not verify nothing,
or everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from infra.catalog import MODELS, REGIONS, normalise_region
from provisioning.errors import BadInput

FILTER_OPTIONS = "--region, --model, --project, --endpoint"


class Selectable(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def project(self) -> str: ...
    @property
    def model(self) -> str: ...


E = TypeVar("E", bound=Selectable)


@dataclass(frozen=True)
class Selection:
    regions: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()

    @classmethod
    def from_options(cls, regions: Sequence[str] | None = None, models: Sequence[str] | None = None,
                     projects: Sequence[str] | None = None, endpoints: Sequence[str] | None = None) -> Selection:
        """Validated values (comma-separated lists accepted, as the emulator's options do); BadInput
        names every value that is not a catalog region or model."""
        def split(values: Sequence[str] | None) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v.strip() for raw in values or () for v in raw.split(",") if v.strip()))

        region_values = tuple(normalise_region(r) for r in split(regions))
        model_values = split(models)
        problems = [f"--region {r!r} is not a catalog region (allowed: {', '.join(REGIONS)})"
                    for r in region_values if r not in REGIONS]
        problems += [f"--model {m!r} is not a catalog model slug (allowed: {', '.join(MODELS)})"
                     for m in model_values if m not in MODELS]
        if problems:
            raise BadInput(problems)
        return cls(region_values, model_values, split(projects), split(endpoints))

    @property
    def active(self) -> bool:
        return bool(self.regions or self.models or self.projects or self.endpoints)

    def describe(self) -> str:
        """`--region eastus2 --model sd3-5-large` (what was asked, for messages)."""
        parts = [f"{option} {value}" for option, values in (("--region", self.regions), ("--model", self.models),
                                                             ("--project", self.projects),
                                                             ("--endpoint", self.endpoints)) for value in values]
        return " ".join(parts)

    def matches(self, endpoint: Selectable) -> bool:
        return ((not self.regions or normalise_region(endpoint.region) in self.regions)
                and (not self.models or endpoint.model in self.models)
                and (not self.projects or endpoint.project in self.projects)
                and (not self.endpoints or endpoint.name in self.endpoints))

    def apply(self, endpoints: Sequence[E], source: str) -> list[E]:
        """The endpoints of `source` that match; BadInput when a named endpoint is not there or
        nothing matches at all (the message lists what `source` has)."""
        if not self.active:
            return list(endpoints)
        names = {e.name for e in endpoints}
        problems = [f"--endpoint {n}: no such endpoint in {source}" for n in self.endpoints if n not in names]
        chosen = [e for e in endpoints if self.matches(e)]
        if not chosen and not problems:
            def have(values: set[str]) -> str:
                return ", ".join(sorted(values)) or "none"

            regions = have({normalise_region(e.region) for e in endpoints})
            problems.append(
                f"no endpoint of {source} matches {self.describe()} ({source} has regions {regions}, "
                f"models {have({e.model for e in endpoints})}, projects {have({e.project for e in endpoints})})")
        if problems:
            raise BadInput(problems)
        return chosen
