"""Azure resource ids: their parts, and the scopes the commands address (subscription, resource group,
workspace, serverless endpoint), read and written by azure-mgmt-core's `parse_resource_id` /
`resource_id` so that casing and child types follow the SDK's rules, not ours."""

from __future__ import annotations

from dataclasses import dataclass

from azure.mgmt.core.tools import is_valid_resource_id, parse_resource_id, resource_id


@dataclass(frozen=True)
class ArmId:
    """The parts of `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}]`,
    read and written by azure-mgmt-core's `parse_resource_id` / `resource_id`."""

    subscription: str
    resource_group: str = ""
    namespace: str = ""
    types: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: str) -> ArmId:
        value = value.strip().rstrip("/")
        if not is_valid_resource_id(value):
            raise ValueError(f"{value!r} is not an Azure resource id")
        parts = {k: str(v) for k, v in parse_resource_id(value).items()}
        types: list[str] = []
        names: list[str] = []
        if parts.get("type"):
            types.append(parts["type"])
            names.append(parts["name"])
        for i in range(1, int(parts.get("last_child_num") or "0") + 1):
            types.append(parts[f"child_type_{i}"])
            names.append(parts[f"child_name_{i}"])
        return cls(parts["subscription"], parts.get("resource_group") or "", parts.get("namespace") or "",
                   tuple(types), tuple(names))

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else (self.resource_group or self.subscription)

    @property
    def type(self) -> str:
        return f"{self.namespace}/{'/'.join(self.types)}" if self.namespace else ""

    def __str__(self) -> str:
        kwargs: dict[str, str] = {"subscription": self.subscription}
        if self.resource_group:
            kwargs["resource_group"] = self.resource_group
        if self.namespace:
            kwargs |= {"namespace": self.namespace, "type": self.types[0], "name": self.names[0]}
            for i, (kind, name) in enumerate(zip(self.types[1:], self.names[1:], strict=True), start=1):
                kwargs |= {f"child_type_{i}": kind, f"child_name_{i}": name}
        return str(resource_id(**kwargs))

    def parent(self) -> ArmId:
        if len(self.names) > 1:
            return ArmId(self.subscription, self.resource_group, self.namespace, self.types[:-1], self.names[:-1])
        if self.names:
            return ArmId(self.subscription, self.resource_group)
        return ArmId(self.subscription)


def subscription_scope(subscription: str) -> str:
    return str(ArmId(subscription))


def resource_group_scope(subscription: str, resource_group: str) -> str:
    return str(ArmId(subscription, resource_group))


def workspace_scope(subscription: str, resource_group: str, workspace: str) -> str:
    return str(ArmId(subscription, resource_group, "Microsoft.MachineLearningServices", ("workspaces",),
                     (workspace,)))


def endpoint_scope(subscription: str, resource_group: str, workspace: str, name: str) -> str:
    return str(ArmId(subscription, resource_group, "Microsoft.MachineLearningServices",
                     ("workspaces", "serverlessEndpoints"), (workspace, name)))
