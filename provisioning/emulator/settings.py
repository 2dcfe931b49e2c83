"""What one emulator run serves and how it misbehaves on purpose.

One pydantic model for the Python API (`maas verify --emulate`, tests) and the `maas emulate`
options, so both validate the same way: regions and models against the catalog, knobs within their
ranges. `settings_problems` turns a validation failure into one readable line per problem.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from infra.catalog import MODELS, MODELS_BY_NAME, REGIONS, REQUESTS_PER_MINUTE, normalise_region
from infra.naming import PROJECT_MAX_LEN, PROJECT_PATTERN
from provisioning.emulator.defaults import DEFAULT_PROJECTS, DEFAULT_REGIONS
from provisioning.ui.option_errors import validation_lines

_MAX_WORD_LEN = 100
HOSTED_PROJECT = "hosted"  # the hosted endpoint's project; not available for Azure projects


def _as_tuple(value: Any) -> Any:
    """Accept a single string (`"eastus2"` or `"eastus2,westus3"`) as well as a sequence."""
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list | tuple):
        kept = [v for v in value if not (isinstance(v, str) and not v.strip())]
        return tuple(v.strip() if isinstance(v, str) else v for v in kept)
    return value


def _dedupe(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


class EmulatorSettings(BaseModel):
    """The fake fleet (regions x models, plus one hosted-dialect endpoint) and its fault knobs.

    Random knobs (throttle, errors, jitter) draw from a generator seeded per endpoint with `seed`,
    so a sequence of requests to one endpoint misbehaves the same way on every run.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    regions: tuple[str, ...] = Field(default=DEFAULT_REGIONS, min_length=1)
    models: tuple[str, ...] = Field(default=tuple(MODELS), min_length=1)
    hosted: bool = True
    # One workspace per project per region, each with one endpoint per model: the real scale-out unit,
    # and the way to emulate many endpoints (6 regions x 3 projects x 3 models = 54).
    projects: tuple[str, ...] = Field(default=DEFAULT_PROJECTS, min_length=1)
    port: int = Field(default=0, ge=0, le=65535)
    latency_ms: float = Field(default=0, ge=0, le=600_000)
    jitter_ms: float = Field(default=0, ge=0, le=600_000)
    throttle_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    retry_after_s: int = Field(default=1, ge=0, le=3600)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    content_filter_word: str = Field(default="forbidden", max_length=_MAX_WORD_LEN)
    requests_per_minute: int = Field(default=REQUESTS_PER_MINUTE, ge=1)
    # A request's head must arrive within header_timeout_s and its body within body_timeout_s, or the
    # connection is closed (head) / answered 408 (body): slow clients cannot hold connections open.
    header_timeout_s: float = Field(default=10.0, gt=0, le=600)
    body_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    # The cap's window: Azure's is a minute; tests and load benchmarks shrink it (10 per 1 s) so a
    # run that saturates the cap takes seconds, not minutes. `requests_per_minute` is counted per window.
    rate_window_s: float = Field(default=60.0, gt=0, le=3600)
    # Regions whose every endpoint answers 503, as during a regional outage: what fail-over is for.
    failing_regions: tuple[str, ...] = ()
    seed: int = 0

    @field_validator("regions", "models", "projects", "failing_regions", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return _as_tuple(value)

    @field_validator("projects")
    @classmethod
    def _project_names(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        bad = [p for p in value if not PROJECT_PATTERN.fullmatch(p) or len(p) > PROJECT_MAX_LEN]
        if bad:
            raise ValueError(
                f"{', '.join(repr(p) for p in bad)}: a project must be 1-{PROJECT_MAX_LEN} lower-case letters, "
                "digits and single hyphens, starting with a letter"
            )
        if info.data.get("hosted", True) and HOSTED_PROJECT in value:
            raise ValueError(f"project {HOSTED_PROJECT!r} names the hosted-dialect endpoint; choose another name")
        return _dedupe(value)

    @field_validator("failing_regions")
    @classmethod
    def _failing_known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return cls._known_regions(value) if value else value

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        normalised = tuple(normalise_region(v) for v in value)
        unknown = [raw for raw, norm in zip(value, normalised, strict=True) if norm not in REGIONS]
        if unknown:
            hints = []
            for raw in unknown:
                close = difflib.get_close_matches(normalise_region(raw), list(REGIONS), n=1, cutoff=0.8)
                hints.append(f"{raw!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise ValueError(
                f"{', '.join(hints)} {'is not a region' if len(unknown) == 1 else 'are not regions'} "
                f"where the serverless offer works (allowed: {', '.join(REGIONS)})"
            )
        return _dedupe(normalised)

    @field_validator("models")
    @classmethod
    def _known_models(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        slugs: list[str] = []
        unknown: list[str] = []
        for raw in value:
            key = raw.strip().lower()
            if key in MODELS:
                slugs.append(key)
            elif key in MODELS_BY_NAME:  # the registry name (`Stable-Image-Core`) names the same model
                slugs.append(MODELS_BY_NAME[key].slug)
            else:
                by_short = [m.slug for m in MODELS.values() if m.short == key]
                close = by_short or difflib.get_close_matches(key, list(MODELS), n=1, cutoff=0.5)
                unknown.append(f"{raw!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} {'is not a catalog model' if len(unknown) == 1 else 'are not catalog models'}"
                f" (allowed: {', '.join(MODELS)})"
            )
        return _dedupe(tuple(slugs))

    @field_validator("content_filter_word")
    @classmethod
    def _word(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _some_endpoint(self) -> EmulatorSettings:
        if not any(r in MODELS[m].regions for r in self.regions for m in self.models):
            raise ValueError("none of the chosen models is offered in any of the chosen regions")
        strangers = [r for r in self.failing_regions if r not in self.regions]
        if strangers:
            raise ValueError(
                f"failing region {', '.join(strangers)} is not one of the emulated regions ({', '.join(self.regions)})"
            )
        return self


def settings_problems(exc: ValidationError, names: Mapping[str, str] | None = None) -> list[str]:
    """One line per problem: `<option>: <value> <what is allowed>`; `names` maps field -> option."""
    return validation_lines(exc, names, what="emulator")
