"""Which command-line option sets which field of a validated option model, for every command.

Why one table: `maas verify` (VerifyOptions) and `maas emulate` (EmulatorSettings) validate their
options through pydantic, and a validation error must name what the user typed (`--timeout`, not
`timeout_s`). One field name means one option everywhere (`seed` is `--seed` on both), so the names
are stated once here, next to each other, where a renamed option shows up in a single diff.
"""

from __future__ import annotations

from typing import Final

OPTION_NAMES: Final = {
    # maas verify
    "max_images": "--max-images",
    "concurrency": "--concurrency",
    "timeout_s": "--timeout",
    "deadline_s": "--deadline",
    "dialect": "--dialect",
    "route": "--route",
    # maas emulate
    "regions": "--regions",
    "models": "--models",
    "projects": "--projects",
    "port": "--port",
    "latency_ms": "--latency-ms",
    "jitter_ms": "--jitter-ms",
    "throttle_rate": "--throttle-rate",
    "retry_after_s": "--retry-after",
    "error_rate": "--error-rate",
    "content_filter_word": "--content-filter-word",
    "requests_per_minute": "--requests-per-minute",
    "rate_window_s": "--rate-limit",
    "failing_regions": "--fail-region",
    "hosted": "--no-hosted",
    # both
    "seed": "--seed",
}
