"""report.json: the machine-readable result, exactly the shape in docs/architecture.md, Contracts
(scripts depend on it)."""

from __future__ import annotations

import json

from provisioning.verify.results import VerifyReport


def render_json(report: VerifyReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
