"""The knobs of a verification run, validated once, with defaults meant for real endpoints.

Why these defaults: real image generation takes seconds to tens of seconds, so the per-request
timeout is generous; a per-endpoint concurrency of 2 keeps a smoke test from looking like load;
the cost guard is on by default because every generated image is billed.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from infra.catalog import DEFAULT_OUTPUT_FORMAT, DEFAULT_SIZE, OUTPUT_FORMATS, REQUESTS_PER_MINUTE, SIZES, Route, Size
from provisioning.errors import BadInput
from provisioning.inputs.inventory import Dialect
from provisioning.ui.option_errors import validation_lines
from provisioning.ui.option_names import OPTION_NAMES

MiB = 1024 * 1024
# The Azure dialect's two spellings of the generation route (docs/architecture.md, Verification and the emulator):
# the one tried first is
# configurable, the other is tried once on 404/405.
AZURE_ROUTES = (Route.IMAGES_GENERATIONS, Route.IMAGE_GENERATIONS)


def route_option(route: Route) -> str:
    """The `--route` value naming `route`: its first path segment (`images`, `image`)."""
    return route.value.strip("/").split("/")[0]


def route_for_option(value: str) -> Route:
    """The Azure route a `--route` value names; BadInput for anything else."""
    for route in AZURE_ROUTES:
        if route_option(route) == value:
            return route
    allowed = ", ".join(route_option(r) for r in AZURE_ROUTES)
    raise BadInput(f"--route: {value!r} is not a route (allowed: {allowed})")

# Options whose values the catalog lists, with what a bad value is told.
_CATALOG_VALUES: dict[str, tuple[tuple[object, ...], str]] = {
    "output_format": (tuple(OUTPUT_FORMATS), f"must be one of {', '.join(OUTPUT_FORMATS)}"),
    "route": (AZURE_ROUTES, f"must be one of {', '.join(AZURE_ROUTES)} (the hosted dialect has its own route)"),
    "size": (tuple(SIZES), f"must be a catalog size ({', '.join(str(s) for s in SIZES)})"),
}


class VerifyOptions(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    concurrency: Annotated[int, Field(ge=1, le=32)] = 2  # in-flight requests per endpoint
    max_in_flight: Annotated[int, Field(ge=1, le=512)] = 64  # in-flight requests overall
    timeout_s: Annotated[float, Field(gt=0, le=3600)] = 120.0  # per request, body included
    deadline_s: Annotated[float, Field(gt=0, le=86_400)] = 900.0  # whole run
    max_images: Annotated[int, Field(ge=0)] = 100  # cost guard: expected billable images
    dialect: Dialect = "azure"  # for inventory entries that do not name one
    route: Route = Route.IMAGES_GENERATIONS  # azure dialect: tried first; the other route once on 404/405
    size: Size = DEFAULT_SIZE
    output_format: str = DEFAULT_OUTPUT_FORMAT
    retries: Annotated[int, Field(ge=0, le=10)] = 2  # extra attempts for 429/502/503/504/connect errors
    backoff_base_s: Annotated[float, Field(ge=0)] = 0.5
    backoff_cap_s: Annotated[float, Field(ge=0)] = 8.0
    max_retry_after_s: Annotated[float, Field(ge=0)] = 30.0  # cap on a server's Retry-After
    requests_per_minute: Annotated[int, Field(ge=1)] = REQUESTS_PER_MINUTE  # per endpoint
    max_body_bytes: Annotated[int, Field(ge=1024)] = 16 * MiB  # success bodies (base64 images)
    max_error_body_bytes: Annotated[int, Field(ge=256)] = 64 * 1024  # kept of an error body
    created_tolerance_s: Annotated[float, Field(gt=0)] = 900.0  # `created` vs our clock
    seed: int | None = None  # jitter and request seeds; None = fresh randomness
    # Send one prompt the content filter must refuse (a filtered answer passes, an image fails).
    # Off by default: it is one more request per endpoint, billed if the filter lets it through.
    content_safety_probe: bool = False

    @field_validator("output_format", "route", "size")
    @classmethod
    def _catalog_value(cls, value: object, info: ValidationInfo) -> object:
        allowed, message = _CATALOG_VALUES[info.field_name or ""]
        if value not in allowed:
            raise ValueError(message)
        return value

    @classmethod
    def build(cls, **values: object) -> VerifyOptions:
        """Options from the command line: one readable line per bad value, named by its option
        (`--timeout: 0 must be greater than 0`), exit 2."""
        try:
            return cls.model_validate({k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            raise BadInput(validation_lines(exc, OPTION_NAMES, what="verifier")) from None
