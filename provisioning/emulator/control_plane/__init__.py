"""A SIMULATED Azure control plane for one stack's fleet, served on 127.0.0.1 over HTTPS, so that
`maas endpoints`, `maas keys show|rotate`, `maas preflight` and `maas audit` can be tried without Azure.

It is a stand-in, like the image-API emulator: it holds Azure's answers for the resources a stack
would have after `pulumi up` (subscription, providers, resource groups, ML workspaces, serverless
endpoints with keys, marketplace subscriptions, Key Vault secrets, a Resource Graph answer, the
permissions API), shaped from the public REST specs and documented examples, and shares no logic
with the product code it answers (it imports only the catalog and the naming rules, the single
source of what a stack deploys). It is never used unless asked for (`maas emulate --control-plane`
prints the MAAS_ARM_ENDPOINT / MAAS_ACCESS_TOKEN / REQUESTS_CA_BUNDLE to export), and everything
it serves says SIMULATED: the subscription's display name, a `maas-simulated` tag on every resource,
an `x-maas-simulated: true` header on every answer.
"""

from __future__ import annotations

from provisioning.emulator.control_plane.server import ControlPlane, running_control_plane

__all__ = ["ControlPlane", "running_control_plane"]
