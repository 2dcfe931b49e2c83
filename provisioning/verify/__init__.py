"""`maas verify`: smoke-test every endpoint of an inventory against the image API (docs/architecture.md, Verification
and the emulator).

Public API:
    VerifyOptions                      the knobs (timeouts, deadline, concurrency, cost guard, ...)
    targets_for(endpoints, options)    inventory -> verifiable targets (bad input -> BadInput)
    estimate(targets, options)         billable images and USD before anything is sent
    VerifyRun(targets, options).execute() / verify(targets, options) -> VerifyReport
    write_reports(report, directory)   report.json, junit.xml, summary.md, index.html
"""

from provisioning.verify.cost import CostEstimate, enforce, estimate
from provisioning.verify.options import VerifyOptions
from provisioning.verify.reports import REPORT_FILES, write_reports
from provisioning.verify.results import Category, CheckName, CheckResult, CheckStatus, EndpointResult, VerifyReport
from provisioning.verify.runner import VerifyRun, verify
from provisioning.verify.sources import from_file, from_stack, targets_for

__all__ = [
    "REPORT_FILES",
    "Category",
    "CheckName",
    "CheckResult",
    "CheckStatus",
    "CostEstimate",
    "EndpointResult",
    "VerifyOptions",
    "VerifyReport",
    "VerifyRun",
    "enforce",
    "estimate",
    "from_file",
    "from_stack",
    "targets_for",
    "verify",
    "write_reports",
]
