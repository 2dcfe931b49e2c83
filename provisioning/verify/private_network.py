"""Endpoints behind private networking, seen from outside their network.

A unit deployed with `maas-fleet:network publicNetworkAccess: Disabled` answers only inside its virtual
network: serverless endpoints follow their workspace's public network access flag (Azure ML docs,
network isolation of serverless API endpoints). From anywhere else a call fails at the transport (the
name resolves to an address that does not answer, or not at all), times out, or is refused with 403.
Reported as it stands that reads as a broken endpoint; the stack output marks such endpoints
(`publicNetworkAccess: Disabled`), so the failure is named for what it most likely is, once per endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from provisioning.verify.results import Category, CheckStatus, EndpointResult

# Failures that look like "this machine is not in the network"; any other failure (a schema error, a
# wrong image, a content filter) means the endpoint answered, so it is reported as it is.
_OUTSIDE: Final = frozenset({Category.TRANSPORT, Category.TIMEOUT, Category.AUTH})
HINT: Final = ("its workspace has public network access Disabled, so it answers only inside its virtual network; "
               "run maas verify from a runner in that network (README: Private networking)")


def is_private(result: EndpointResult) -> bool:
    return (result.endpoint.public_network_access or "").lower() == "disabled"


def unreachable_from_here(result: EndpointResult) -> bool:
    failed = [c for c in result.checks.values() if c.status is CheckStatus.FAIL]
    answered = any(c.status is CheckStatus.PASS for c in result.checks.values())
    return is_private(result) and bool(failed) and not answered and all(c.category in _OUTSIDE for c in failed)


def mark_private_unreachable(results: Sequence[EndpointResult]) -> list[str]:
    """Re-file the failed checks of private endpoints that never answered under `private_network`, and
    return one line per such endpoint."""
    lines = []
    for result in results:
        if not unreachable_from_here(result):
            continue
        for name, check in list(result.checks.items()):
            if check.status is CheckStatus.FAIL:
                result.checks[name] = replace(check, category=Category.PRIVATE_NETWORK,
                                              detail=f"not reachable from here ({check.detail})")
        lines.append(f"{result.label}: not reachable from this machine; {HINT}")
    return lines
