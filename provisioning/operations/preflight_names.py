"""Preflight's endpoint-name check: a planned name is never called free, only "not taken in the
subscriptions you can read" (names are unique per region across all of Azure, other tenants included)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from provisioning.azure.errors import ArmError
from provisioning.errors import ExitCode
from provisioning.operations.endpoints import WorkspaceRef, list_endpoints, list_workspaces
from provisioning.operations.preflight_report import CheckGroup, Status

MAX_NAME_SUBSCRIPTIONS: Final = 50  # other subscriptions searched for endpoint names (one listing each)


class EndpointNameChecks(CheckGroup):
    def _other_subscriptions(self) -> tuple[list[str], int]:
        """Other subscriptions this caller can read (at most MAX_NAME_SUBSCRIPTIONS), and how many
        more were left out."""
        from azure.core.exceptions import HttpResponseError

        try:
            subs = [str(s.subscription_id) for s in self.session.subscriptions().subscriptions.list()
                    if str(s.subscription_id).lower() != self.sub.lower()]
        except HttpResponseError:
            return [], 0
        return subs[:MAX_NAME_SUBSCRIPTIONS], max(0, len(subs) - MAX_NAME_SUBSCRIPTIONS)

    def check_endpoint_names(self, workspaces: Sequence[WorkspaceRef]) -> None:
        """Endpoint names are unique per region across all of Azure, other customers included, and
        ARM lists only what this caller can read: a name is never called free, only "not taken in
        the subscriptions you can read"; the deploy-time refusal has its own line in errors.py."""
        regions = {r.lower() for r in self.config.regions}
        in_regions = [ws for ws in workspaces if ws.location in regions]
        others, left_out = self._other_subscriptions()
        unreadable = 0
        for other in others:
            try:
                in_regions.extend(list_workspaces(self.session, other, regions))
            except ArmError as exc:
                if exc.exit_code == ExitCode.BAD_INPUT:
                    raise
                unreadable += 1
        listing = list_endpoints(self.session, in_regions)
        failed_regions: dict[str, list[str]] = {}
        for error in listing.errors:
            ws = next((w for w in in_regions if w.name.lower() in error.what.lower()), None)
            failed_regions.setdefault(ws.location if ws else "", []).append(str(error))
        taken = {(e.region, e.name.lower()): e for e in listing.endpoints}
        counts: dict[str, int] = {}
        for e in listing.endpoints:
            counts[e.region] = counts.get(e.region, 0) + 1
        searched = 1 + len(others) - unreadable
        scope = f"the {searched} subscription(s) you can read"
        if left_out:
            scope += f" ({left_out} more not searched)"
        for planned in self.config.declared_endpoints(self.sub):  # endpoint names carry a hash of it
            region, name = planned.region, planned.name
            label = f"endpoint name {name} ({region})"
            holder = taken.get((region, name.lower()))
            if holder is not None:
                if (holder.subscription.lower(), holder.resource_group.lower(), holder.workspace.lower()) == (
                        self.sub.lower(), planned.resource_group.lower(), planned.workspace.lower()):
                    self.add(label, Status.PASS, f"exists in the planned workspace {planned.workspace} "
                                                 f"({holder.model}, {holder.provisioning_state}); pulumi up keeps it")
                else:
                    self.add(label, Status.FAIL,
                             f"taken in {region} by workspace {holder.workspace} (resource group "
                             f"{holder.resource_group}, subscription {holder.subscription})",
                             "endpoint names are unique per region: change maas-fleet:prefix, environment or the "
                             "project name, or delete that endpoint")
                continue
            problems = failed_regions.get(region) or failed_regions.get("")
            if problems:
                self.add(label, Status.FAIL, f"not verified: {problems[0]}",
                         "grant read on the workspaces in this region (auditor persona / Reader), then rerun")
            else:
                self.add(label, Status.PASS,
                         f"not taken in {scope} ({counts.get(region, 0)} serverless endpoint(s) in {region}); names "
                         "are unique per region across all of Azure, other tenants included, which no listing shows")
