"""The fake endpoints one emulator run serves: names, regions, models and keys in the real style.

Names come from `infra.naming.Namer` (stack prefix `maas`, environment `emu`), so an emulated
inventory looks like a deployed one: `maas-emu-main-sd35l` in `eastus2`, workspace and resource
group named as the Pulumi program would name them. Each endpoint gets its own random key
(`secrets`), registered with the redactor the moment it exists.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from infra.catalog import HOSTED_SD35_LARGE, MODELS, ModelSpec
from infra.naming import Namer
from provisioning.emulator.settings import HOSTED_PROJECT, EmulatorSettings
from provisioning.inputs.inventory import Dialect, InventoryEndpoint
from provisioning.redact import REDACTOR

if TYPE_CHECKING:
    from infra.config import FleetConfig

NAMER = Namer(prefix="maas", environment="emu")
_KEY_ALPHABET = string.ascii_letters + string.digits
_KEY_LEN = 32  # serverless endpoint keys are 32 alphanumeric characters


def new_key() -> str:
    key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(_KEY_LEN))
    REDACTOR.add(key)
    return key


@dataclass(frozen=True)
class FakeEndpoint:
    """One emulated endpoint: served under `/<region>/<name>` of the emulator's port."""

    region: str
    project: str
    model: ModelSpec
    name: str
    dialect: Dialect
    workspace: str
    resource_group: str
    key_secret_uri: str
    key: str = field(repr=False)

    @property
    def path_prefix(self) -> str:
        return f"/{self.region}/{self.name}"

    def uri(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}{self.path_prefix}"

    def inventory_entry(self, base_url: str) -> InventoryEndpoint:
        return InventoryEndpoint.model_validate(
            {
                "region": self.region,
                "project": self.project,
                "model": self.model.slug,
                "name": self.name,
                "uri": self.uri(base_url),
                "workspace": self.workspace,
                "resourceGroup": self.resource_group,
                "keySecretUri": self.key_secret_uri,
                "key": self.key,
                "dialect": self.dialect,
                "emulated": True,
            }
        )


def _azure_endpoint(region: str, project: str, model: ModelSpec, namer: Namer = NAMER,
                    subscription_id: str = "") -> FakeEndpoint:
    names = namer.workspace_names(region, project, subscription_id)
    name = namer.endpoint(project, model)
    return FakeEndpoint(
        region=region,
        project=project,
        model=model,
        name=name,
        dialect="azure",
        workspace=names.workspace,
        resource_group=names.resource_group,
        key_secret_uri=f"https://{names.key_vault}.vault.azure.net/secrets/{namer.key_secret(name)}",
        key=new_key(),
    )


def _hosted_endpoint(region: str) -> FakeEndpoint:
    model = MODELS[HOSTED_SD35_LARGE.model]
    return FakeEndpoint(
        region=region,
        project=HOSTED_PROJECT,
        model=model,
        name=NAMER.endpoint(HOSTED_PROJECT, model),
        dialect="hosted",
        workspace="",
        resource_group="",
        key_secret_uri="",
        key=new_key(),
    )


def build_fleet(settings: EmulatorSettings) -> tuple[FakeEndpoint, ...]:
    """Region x project x model endpoints in settings order (pairs the catalog does not offer are
    skipped), then the hosted-dialect endpoint (the hosted provider has no workspace; its project
    `hosted` tells it apart), placed in the first region."""
    fleet = [
        _azure_endpoint(region, project, MODELS[slug])
        for region in settings.regions
        for project in settings.projects
        for slug in settings.models
        if region in MODELS[slug].regions
    ]
    if settings.hosted:
        fleet.append(_hosted_endpoint(settings.regions[0]))
    return tuple(fleet)


def planned_fleet(config: FleetConfig) -> tuple[FakeEndpoint, ...]:
    """The endpoints a stack config deploys, named exactly as the Pulumi program names them (the
    config's own Namer, in the program's region x project x model order): what `maas plan` shows is
    what the emulator serves, so a demo or a load test runs against the planned fleet."""
    return tuple(
        _azure_endpoint(region, project, model, config.namer, config.subscription_id or "")
        for region, project, model in config.endpoints()
    )


def settings_for_config(config: FleetConfig, **knobs: object) -> EmulatorSettings:
    """Emulator settings whose regions, projects and models are the config's (no hosted endpoint:
    a stack deploys none); `knobs` set the fault and pacing fields."""
    return EmulatorSettings.model_validate(
        {"regions": config.regions, "projects": config.projects, "models": config.models, "hosted": False, **knobs}
    )
