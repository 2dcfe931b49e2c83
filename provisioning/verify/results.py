"""What a verification run found: check results per endpoint and the run as a whole.

One vocabulary for every output (console table, report.json, JUnit, Markdown, contact sheet), so a
category or status cannot mean one thing in the JSON and another in the pipeline summary.

A content-filter answer to the suite's benign prompt is a failure (category `content_filter`): the
endpoint did not produce the image a client would have asked for, whatever the reason. Only the
opt-in content-safety probe, which sends a prompt the filter must refuse, passes when filtered.
An endpoint is `fail` exactly when one of its checks is `fail`, otherwise `pass`. Checks that could
not run because an earlier one made them meaningless are `skip` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from infra.catalog import MODELS
from provisioning.inputs.inventory import Dialect, InventoryEndpoint
from provisioning.redact import REDACTOR

MAX_DETAIL_CHARS = 400


class CheckStatus(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    SKIP = "skip"  # not run: an earlier check made it meaningless


class Category(StrEnum):
    """Why a check did not pass (docs/architecture.md, Verification and the emulator); `None` on a passed check."""

    AUTH = "auth"
    SCHEMA = "schema"
    IMAGE = "image"
    ROUTE = "route"
    THROTTLED = "throttled"
    TIMEOUT = "timeout"
    CONTENT_FILTER = "content_filter"
    SERVER_ERROR = "server_error"
    TRANSPORT = "transport"
    # A private endpoint (publicNetworkAccess Disabled) that never answered: run from inside its network.
    PRIVATE_NETWORK = "private_network"


class CheckName(StrEnum):
    """The suite, in the order it is reported."""

    ROUTE = "route"
    AUTH = "auth"
    TEXT_TO_IMAGE = "text-to-image"
    IMAGE = "image"
    IMAGE_TO_IMAGE = "image-to-image"
    INVALID_SIZE = "invalid-size"
    CAPABILITY_MISMATCH = "capability-mismatch"
    CONTENT_SAFETY = "content-safety"  # opt-in: a prompt the content filter must refuse


def clean_detail(text: str) -> str:
    """Every detail passes here: secrets masked, control characters dropped, length bounded.
    Server bodies end up in details, and a hostile server may echo the key or send binary."""
    text = REDACTOR.scrub(text)
    if not text.isprintable():  # the common case (our own wording) skips the per-character pass
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > MAX_DETAIL_CHARS:
        text = text[: MAX_DETAIL_CHARS - 1] + "…"
    return text


@dataclass(frozen=True)
class CheckResult:
    name: CheckName
    status: CheckStatus
    category: Category | None = None
    detail: str = ""
    latency_ms: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "detail", clean_detail(self.detail))

    @classmethod
    def passed(cls, name: CheckName, detail: str, latency_ms: float | None) -> CheckResult:
        return cls(name, CheckStatus.PASS, None, detail, latency_ms)

    @classmethod
    def failed(cls, name: CheckName, category: Category, detail: str, latency_ms: float | None) -> CheckResult:
        return cls(name, CheckStatus.FAIL, category, detail, latency_ms)

    @classmethod
    def skipped(cls, name: CheckName, reason: str) -> CheckResult:
        return cls(name, CheckStatus.SKIP, None, reason, None)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": str(self.name),
            "status": str(self.status),
            "category": None if self.category is None else str(self.category),
            "detail": self.detail,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
        }


@dataclass(frozen=True)
class Thumbnail:
    """A small JPEG of an image an endpoint generated, for the contact sheet."""

    check: CheckName
    jpeg: bytes = field(repr=False)
    width: int  # of the original image
    height: int
    format: str  # of the original image, as Pillow names it


@dataclass
class EndpointResult:
    """Filled in as checks finish, so a run cut short by the deadline still has everything
    that did finish."""

    endpoint: InventoryEndpoint
    dialect: Dialect
    planned: tuple[CheckName, ...]
    checks: dict[CheckName, CheckResult] = field(default_factory=dict)
    thumbnails: list[Thumbnail] = field(default_factory=list)
    images: int = 0  # images the endpoint generated for us (billable)
    cost_usd: float = 0.0
    route: str | None = None  # the route that answered

    @property
    def status(self) -> CheckStatus:
        return CheckStatus.FAIL if any(c.status is CheckStatus.FAIL for c in self.checks.values()) else CheckStatus.PASS

    @property
    def label(self) -> str:
        return f"{self.endpoint.region}/{self.endpoint.model}/{self.endpoint.name}"

    @property
    def model_display(self) -> str:
        spec = MODELS[self.endpoint.model]
        return f"{spec.display_name} (hosted)" if self.dialect == "hosted" else spec.display_name

    def ordered_checks(self) -> list[CheckResult]:
        return [self.checks[name] for name in self.planned if name in self.checks]

    def record(self, result: CheckResult) -> None:
        self.checks[result.name] = result

    def add_image(self, price_usd: float) -> None:
        self.images += 1
        self.cost_usd += price_usd

    def __repr__(self) -> str:
        # Short on purpose: asyncio formats task results (e.g. in signal handler reprs at the end of
        # asyncio.run), and a full repr of every check and thumbnail of a fleet costs milliseconds.
        return f"EndpointResult({self.label!r}, {self.status}, checks={len(self.checks)})"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.endpoint.name,
            "region": self.endpoint.region,
            "model": self.endpoint.model,
            "uri": REDACTOR.scrub(self.endpoint.uri),
            "status": str(self.status),
            "checks": [c.to_json() for c in self.ordered_checks()],
        }


@dataclass
class VerifyReport:
    endpoints: list[EndpointResult]
    wall_s: float
    deadline_hit: bool = False
    started_at: float = 0.0  # unix seconds, for JUnit timestamps

    def __repr__(self) -> str:
        return f"VerifyReport(endpoints={len(self.endpoints)}, failed={self.failed}, wall_s={self.wall_s:.3f})"

    @property
    def passed(self) -> int:
        return sum(1 for e in self.endpoints if e.status is CheckStatus.PASS)

    @property
    def failed(self) -> int:
        return len(self.endpoints) - self.passed

    @property
    def images(self) -> int:
        return sum(e.images for e in self.endpoints)

    @property
    def cost_usd(self) -> float:
        return sum(e.cost_usd for e in self.endpoints)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def emulated(self) -> bool:
        """Whether any endpoint was the local emulator's: every report must say so."""
        return any(e.endpoint.emulated for e in self.endpoints)

    def count(self, status: CheckStatus) -> int:
        return sum(1 for e in self.endpoints for c in e.checks.values() if c.status is status)

    def summary_json(self) -> dict[str, Any]:
        """`images` and `estimated_cost_usd` are what this run made the endpoints generate,
        priced at catalog list prices (the pre-run estimate is what the cost guard checked)."""
        return {
            "endpoints": len(self.endpoints),
            "passed": self.passed,
            "failed": self.failed,
            "images": self.images,
            "estimated_cost_usd": round(self.cost_usd, 6),
            "wall_s": round(self.wall_s, 3),
            "emulated": self.emulated,
        }

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary_json(), "endpoints": [e.to_json() for e in self.endpoints]}
