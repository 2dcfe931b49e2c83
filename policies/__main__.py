"""The CrossGuard pack: `pulumi preview --policy-pack policies`. Never import this module (building
a PolicyPack starts a gRPC server and blocks); everything else lives in policies/sources/crossguard.py."""

import sys
from pathlib import Path

# Pulumi runs the pack as `python -m pulumi.policy <this directory>`: make `policies` and `infra`
# importable from the project checkout whether or not the project is installed in the venv.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies.sources.crossguard import PACK_NAME, build_policies  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description="maas-fleet: Stability AI serverless endpoints on Azure ML (regions, content safety, keys, RBAC, tags)",
    provider="azure",
    tags=["azure", "machine-learning", "maas-fleet"],
)
