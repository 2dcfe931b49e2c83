"""Config sub-models of the enterprise options (`maas-fleet:budget`, `maas-fleet:network`).

Why apart from config.py: each option is a small typed object with its own rules, and config.py only
names it as a field. Values are checked against Azure's limits here (pydantic validators raise one
sentence each); cross-field checks that need the rest of the config (regions) live in
`option_problems`, which config.py calls with the other semantic checks.
"""

from __future__ import annotations

import re
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from infra import catalog

# RFC 5322 is far wider; this is what Azure's budget API and every mail system accept in practice.
EMAIL: Final = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


class BudgetOptions(BaseModel):
    """A monthly cost budget with e-mail alerts, one per unit resource group."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)

    monthly_usd: float = Field(gt=0, description="the monthly amount per unit resource group (USD)")
    contact_emails: tuple[str, ...] = Field(description="who gets the alerts (at least one)")
    thresholds: tuple[float, ...] = Field(
        default=catalog.BUDGET_DEFAULT_THRESHOLDS,
        description="alert at these percentages of the amount (actual spend)",
    )

    @field_validator("contact_emails", mode="before")
    @classmethod
    def _one_email(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("contact_emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("is empty: a budget without contacts alerts nobody; name at least one e-mail address")
        bad = [v for v in value if not EMAIL.fullmatch(v.strip())]
        if bad:
            raise ValueError(f"is not a list of e-mail addresses ({bad[0]!r} is not one)")
        return tuple(v.strip() for v in value)

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value:
            raise ValueError("is empty; omit it for the default "
                             + ", ".join(f"{t:g}" for t in catalog.BUDGET_DEFAULT_THRESHOLDS))
        if len(value) > catalog.BUDGET_MAX_NOTIFICATIONS:
            raise ValueError(f"has {len(value)} thresholds; Azure allows {catalog.BUDGET_MAX_NOTIFICATIONS} "
                             "notifications per budget")
        bad = [t for t in value if not 0 < t <= catalog.BUDGET_MAX_THRESHOLD]
        if bad:
            raise ValueError(f"{bad[0]:g} is out of range: a percentage above 0 and at most "
                             f"{catalog.BUDGET_MAX_THRESHOLD:g}")
        if len(set(value)) != len(value):
            raise ValueError("lists a threshold twice")
        return tuple(sorted(value))


# /subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>
SUBNET_ID: Final = re.compile(
    r"/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w.()]{1,90}/providers/Microsoft\.Network/"
    r"virtualNetworks/[-\w.]{2,64}/subnets/[-\w.]{1,80}",
    re.IGNORECASE,
)
RESOURCE_GROUP_ID: Final = re.compile(r"/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w.()]{1,90}", re.IGNORECASE)


class NetworkOptions(BaseModel):
    """Public network access of each unit, and where its private endpoints go when it is off."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)

    public_network_access: str = Field(default="Enabled", description="Enabled or Disabled")
    private_endpoint_subnets: dict[str, str] = Field(
        default_factory=dict, description="region -> subnet ARM id where the unit's private endpoints go"
    )
    private_dns_zone_resource_group: str = Field(
        default="", description="ARM id of the resource group holding the privatelink DNS zones (hub)"
    )

    @property
    def private(self) -> bool:
        return self.public_network_access == "Disabled"

    def subnet_for(self, region: str) -> str:
        """The subnet for `region` (keys may be display names; validation made sure one exists)."""
        from infra.catalog import normalise_region

        return next(s.strip() for r, s in self.private_endpoint_subnets.items() if normalise_region(r) == region)

    @field_validator("public_network_access")
    @classmethod
    def _access(cls, value: str) -> str:
        if value not in catalog.PUBLIC_NETWORK_ACCESS:
            raise ValueError("is not a public network access setting (allowed: Enabled, Disabled)")
        return value


def network_problems(network: NetworkOptions, regions: tuple[str, ...]) -> list[tuple[str, object, str]]:
    """(field, value, message) for what the network settings say against the configured regions."""
    from infra.catalog import normalise_region

    problems: list[tuple[str, object, str]] = []
    subnets = {normalise_region(region): subnet for region, subnet in network.private_endpoint_subnets.items()}
    for region, subnet in network.private_endpoint_subnets.items():
        if not SUBNET_ID.fullmatch(subnet.strip()):
            problems.append((f"network.privateEndpointSubnets.{region}", subnet, "is not a subnet id "
                             "(/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/"
                             "<vnet>/subnets/<subnet>)"))
        if normalise_region(region) not in regions:
            problems.append((f"network.privateEndpointSubnets.{region}", subnet, "names a region this stack does "
                             f"not deploy to (regions: {', '.join(regions)})"))
    group = network.private_dns_zone_resource_group.strip()
    if group and not RESOURCE_GROUP_ID.fullmatch(group):
        problems.append(("network.privateDnsZoneResourceGroup", group, "is not a resource group id "
                         "(/subscriptions/<id>/resourceGroups/<rg>)"))
    if not network.private:
        return problems
    if not network.private_endpoint_subnets:
        problems.append(("network.privateEndpointSubnets", {}, "is empty, but publicNetworkAccess is Disabled: "
                         "nothing could reach the units; name a subnet per region"))
    else:
        for region in regions:
            if region not in subnets:
                problems.append((f"network.privateEndpointSubnets.{region}", None, "is missing: publicNetworkAccess "
                                 "is Disabled, so every region needs a subnet for its private endpoints"))
    if not group:
        problems.append(("network.privateDnsZoneResourceGroup", None, "is required when publicNetworkAccess is "
                         "Disabled: the resource group holding the zones " + ", ".join(
                             sorted({z for zones in catalog.PRIVATE_DNS_ZONES.values() for z in zones}))))
    return problems
