"""`maas audit --verify`: placeholder until provisioning/verify (issue 7) lands on main."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from provisioning.errors import BadInput

if TYPE_CHECKING:
    from provisioning.audit.model import AuditReport
    from provisioning.azure import AzureSession


def verify_cells(session: AzureSession, report: AuditReport, *, max_images: int | None = None,
                 say: Callable[[str], None] | None = None) -> None:
    raise BadInput("--verify is not available yet")
