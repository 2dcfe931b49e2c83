"""The stack configuration's model: the typed fields of `maas-fleet:*`, their validators and what the
program derives from them (names, units, tags). Parsing, cross-field checks and loading live in
infra/config.py, which is what the rest of the project imports."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from infra import naming
from infra.catalog import (
    BUDGET_RESOURCE_PROVIDER,
    MANAGED_BY_VALUE,
    MODELS,
    NETWORK_RESOURCE_PROVIDER,
    PROD_ENVIRONMENT,
    REQUIRED_TAGS,
    RESOURCE_PROVIDERS,
    TAG_ENVIRONMENT,
    TAG_MANAGED_BY,
    TAG_PROJECT,
    ModelSpec,
    Persona,
    PrincipalType,
    normalise_region,
)
from infra.catalog import model_id as catalog_model_id
from infra.options import BudgetOptions, NetworkOptions

NAMESPACE: Final = "maas-fleet"
SURVIVE_CHOICES: Final = ("none", "region")  # capacity targets: carry the load as is, or after losing a region


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the config, phrased so the user can fix it without reading code."""

    field: str
    value: Any
    message: str
    allowed: str = ""

    def __str__(self) -> str:
        value = "" if self.value is _MISSING else f" {self.value!r}"
        allowed = f" (allowed: {self.allowed})" if self.allowed else ""
        return f"{NAMESPACE}:{self.field}:{value} {self.message}{allowed}"


_MISSING: Final = object()


class ConfigError(Exception):
    """Invalid stack config: carries every problem found, one per line in `str()`."""

    def __init__(self, problems: Iterable[Problem], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        where = f" in {self.source}" if self.source else ""
        head = f"invalid stack config{where} ({len(self.problems)} problem{'s' * (len(self.problems) != 1)}):"
        return [head, *(f"  {p}" for p in self.problems)]


class AccessEntry(BaseModel):
    """A principal and the persona it gets in every region/project of the stack."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)

    principal_id: str
    principal_type: PrincipalType
    persona: Persona
    display_name: str = ""  # shown in the plan; Azure never sees it
    # Limits the entry's grants to these projects' units (every region); None: every project.
    projects: tuple[str, ...] | None = None

    @field_validator("projects", mode="before")
    @classmethod
    def _one_project(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    def covers(self, project: str) -> bool:
        return self.projects is None or project in self.projects

    @field_validator("principal_id")
    @classmethod
    def _guid(cls, value: str) -> str:
        if not naming.GUID_PATTERN.fullmatch(value.strip()):
            raise ValueError("is not an object id (a GUID like 00000000-0000-0000-0000-000000000000)")
        return value.strip().lower()


class CapacityTarget(BaseModel):
    """The load one model must carry: requests per minute, optionally still after losing a region."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)

    # Values are checked with the rest of the config's semantics (`_capacity_problems`), so a wrong
    # number, a wrong `survive` and an unknown model each get their line in one run.
    requests_per_minute: int
    survive: str = "none"


@dataclass(frozen=True)
class DeclaredEndpoint:
    """One endpoint a stack declares, named as the program names it; nothing deployed is read."""

    region: str
    project: str
    model: str  # catalog slug
    name: str
    resource_group: str
    workspace: str


class FleetConfig(BaseModel):
    """What one stack deploys. Field names are the camelCase keys of `maas-fleet:*`."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)

    prefix: str = Field(description="2-10 lower-case letters and digits, starting with a letter; starts every name")
    environment: str = Field(default="dev", description="1-8 lower-case letters and digits, e.g. dev, test, prod")
    regions: tuple[str, ...] = Field(
        min_length=1,
        description="Azure regions (`eastus2` or `East US 2`); each must offer every configured model",
    )
    models: tuple[str, ...] = Field(
        default=tuple(MODELS), min_length=1, description="catalog slugs: " + ", ".join(f"`{m}`" for m in MODELS)
        + "; an entry may pin a version: `{slug: stable-image-core, version: 1}` (model id `.../versions/1`)"
    )
    projects: tuple[str, ...] = Field(
        default=("main",),
        min_length=1,
        description="one ML workspace per project per region, the scale-out unit (one deployment per model per "
        "workspace); 1-16 lower-case letters, digits and single hyphens",
    )
    access: tuple[AccessEntry, ...] = Field(
        default=(),
        description="principals and their persona: `{principalId: GUID, principalType: "
        + "|".join(PrincipalType)
        + ", persona: "
        + "|".join(Persona)
        + ", displayName?, projects?: [project, ...] (default: every project)}`",
    )
    include_deploying_identity: bool = Field(
        default=False, description="also make the identity running `pulumi up` a deployer"
    )
    deploying_identity_type: PrincipalType | None = Field(
        default=None,
        description="`User` or `ServicePrincipal`: that identity's type (inferred from its sign-in client when unset)",
    )
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="extra tags on every resource; " + ", ".join(f"`{t}`" for t in REQUIRED_TAGS)
        + " are set by maas-fleet",
    )
    name_suffix: str = Field(
        default="",
        description="1-4 lower-case letters/digits added to soft-deleting names (Key Vault, workspaces) "
        "after a destroy",
    )
    capacity: dict[str, CapacityTarget] = Field(
        default_factory=dict,
        description="per model slug the load it must carry: `{requestsPerMinute: N, survive: none|region}` "
        "(`region`: still after losing the region with the most deployments)",
    )

    diagnostics: bool = Field(
        default=True,
        description="diagnostic settings sending the ML workspace's logs and every Key Vault's audit events "
        "(who read an endpoint key) to the unit's Log Analytics workspace",
    )
    protect: bool | None = Field(
        default=None,
        description="Pulumi `protect` on vaults and workspaces and a CanNotDelete lock on each unit resource "
        "group (default: on when `environment` is `prod`); see Tearing down",
    )

    budget: BudgetOptions | None = Field(
        default=None,
        description="a monthly budget with e-mail alerts on each unit resource group: `{monthlyUsd: N, "
        "contactEmails: [..], thresholds?: [80, 100]}` (percent of the amount)",
    )

    network: NetworkOptions | None = Field(
        default=None,
        description="`{publicNetworkAccess: Enabled|Disabled, privateEndpointSubnets: {<region>: <subnet id>}, "
        "privateDnsZoneResourceGroup: <resource group id>}`: Disabled turns public access off on workspace, vaults "
        "and storage and adds private endpoints with DNS zone groups in each region's subnet",
    )

    # Pinned versions by slug, taken from `{slug, version}` entries of `models` by the loader.
    model_versions: dict[str, int] = Field(default_factory=dict, exclude=True)
    # Set by the loader from the provider's namespace, not by users under maas-fleet:*.
    subscription_id: str | None = Field(default=None, exclude=True)
    stack: str = Field(default="dev", exclude=True)

    @field_validator("regions", mode="before")
    @classmethod
    def _normalise_regions(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(normalise_region(v) if isinstance(v, str) else v for v in value)
        return value

    @field_validator("regions", "models", "projects", mode="before")
    @classmethod
    def _one_item(cls, value: Any) -> Any:
        """`pulumi config set maas-fleet:regions eastus2` stores a bare string: a list of one."""
        return (value,) if isinstance(value, str) else value

    @field_validator("deploying_identity_type", mode="before")
    @classmethod
    def _unset_or_assignable(cls, value: Any) -> Any:
        if value in ("", None):
            return None  # Pulumi.yaml's default: infer the type from the sign-in client
        if value not in (PrincipalType.USER, PrincipalType.SERVICE_PRINCIPAL):
            raise ValueError("is not the type of an identity that signs in (allowed: User, ServicePrincipal)")
        return value

    @cached_property
    def namer(self) -> naming.Namer:
        # Without a subscription in the stack file, names use the plan's placeholder, so that the plan, the
        # emulator, dry runs and routes agree on one name per endpoint (the plan marks them as such).
        subscription = self.subscription_id or naming.PLACEHOLDER_SUBSCRIPTION
        return naming.Namer(self.prefix, self.environment, self.name_suffix, subscription_id=subscription,
                            stack=self.stack)

    @property
    def protected(self) -> bool:
        """`protect` as set, else on for prod: a prod unit must not go away with one `pulumi destroy`."""
        return self.protect if self.protect is not None else self.environment == PROD_ENVIRONMENT

    def resource_providers(self) -> tuple[str, ...]:
        """The providers `pulumi up` needs registered for this stack: the base set plus its options'."""
        budget = (BUDGET_RESOURCE_PROVIDER,) if self.budget is not None else ()
        network = (NETWORK_RESOURCE_PROVIDER,) if self.network is not None and self.network.private else ()
        return (*RESOURCE_PROVIDERS, *budget, *network)

    def model_id(self, model: ModelSpec) -> str:
        """The model id the endpoint deploys: pinned to a version when the config says so."""
        return catalog_model_id(model, self.model_versions.get(model.slug))

    @cached_property
    def model_specs(self) -> tuple[ModelSpec, ...]:
        return tuple(MODELS[m] for m in self.models)

    def units(self) -> list[tuple[str, str]]:
        """(region, project) pairs: one resource group and one ML workspace each."""
        return [(r, p) for r in self.regions for p in self.projects]

    def endpoints(self) -> list[tuple[str, str, ModelSpec]]:
        return [(r, p, m) for r, p in self.units() for m in self.model_specs]

    def declared_endpoints(self, subscription: str | None = None) -> list[DeclaredEndpoint]:
        """`endpoints()` with the names the program gives each one and its unit's resource group and
        workspace: for dry runs, routes and finding an endpoint's workspace (the stack's subscription or
        the plan's placeholder), and for the audit and preflight in the `subscription` they look at
        (endpoint names carry a hash of it; resource group and workspace names do not)."""
        namer = self.namer if subscription is None else self.namer.for_subscription(subscription)
        declared = []
        for region, project, model in self.endpoints():
            names = namer.workspace_names(region, project)
            declared.append(DeclaredEndpoint(region, project, model.slug, namer.endpoint(project, model),
                                             names.resource_group, names.workspace))
        return declared

    def tags_for(self, project: str) -> dict[str, str]:
        return {
            **self.tags,
            TAG_MANAGED_BY: MANAGED_BY_VALUE,
            TAG_ENVIRONMENT: self.environment,
            TAG_PROJECT: project,
        }
