"""Builders for the audit tests: fleets of many subscriptions x workspaces in the fake ARM, and
every kind of drift planted in them. Imported by conftest.py (fixtures) and by tests."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.catalog import REGIONS
from infra.config import FleetConfig, load_stack_file
from tests.support.fake_arm import FakeArm, write_stack

# Three subscriptions, as a platform team running dev, test and prod in separate ones would have.
SUBS = (
    "11111111-2222-4333-8444-555555555555",
    "22222222-3333-4444-8555-666666666666",
    "33333333-4444-4555-8666-777777777777",
)
STACKS = ("dev", "test", "prod")


def units_config(workspaces: int) -> dict[str, Any]:
    """regions x projects giving exactly `workspaces` units (5 regions x 8 projects = 40)."""
    regions = list(REGIONS)[:5] if workspaces % 5 == 0 and workspaces >= 5 else list(REGIONS)[:1]
    per_region = workspaces // len(regions)
    return {"regions": regions, "projects": [f"p{i:02d}" for i in range(per_region)]}


@dataclass
class Fleet:
    directory: Path
    stacks: dict[str, Path]  # stack name -> Pulumi.<stack>.yaml
    configs: dict[str, FleetConfig]
    subscriptions: dict[str, str]  # stack name -> subscription

    def args(self) -> list[str]:
        out = []
        for path in self.stacks.values():
            out += ["--config", str(path)]
        return out



def build(arm: FakeArm, directory: Path, subscriptions: int = 3, workspaces: int = 40, *, seed: bool = True,
          **overrides: Any) -> Fleet:
    """One stack per subscription, each declaring `workspaces` region x project units with all three
    models, and (with `seed`) Azure holding exactly that."""
    stacks, configs, subs = {}, {}, {}
    for i in range(subscriptions):
        name, sub = STACKS[i], SUBS[i]
        arm.add_subscription(sub, f"maas {name}")
        options: dict[str, Any] = {"prefix": "ct", "environment": name, **units_config(workspaces), **overrides}
        path = write_stack(directory, name, sub, **options)
        config = load_stack_file(path)
        if seed:
            arm.seed_fleet(config, sub)
            keys_in_keys_vaults(arm, config, sub)
        stacks[name], configs[name], subs[name] = path, config, sub
    return Fleet(directory, stacks, configs, subs)


# --------------------------------------------------------------------------------------------------
# Every kind of drift, planted in a fleet built by `build_fleet`
# --------------------------------------------------------------------------------------------------

LLAMA = "azureml://registries/azureml-meta/models/Meta-Llama-3-8B-Instruct"


@dataclass(frozen=True)
class Planted:
    """Where a drift was planted: the cell it must show up in."""

    status: str
    subscription: str
    region: str
    project: str
    model: str
    endpoint: str
    problems: tuple[str, ...] = ()


def endpoint_of(arm: FakeArm, config: FleetConfig, sub: str, region: str, project: str, model: str) -> Any:
    from infra.catalog import MODELS

    names = config.namer.workspace_names(region, project)
    key = (f"/subscriptions/{sub}/resourceGroups/{names.resource_group}/providers/Microsoft.MachineLearningServices"
           f"/workspaces/{names.workspace}/serverlessEndpoints/{config.namer.endpoint(project, MODELS[model])}").lower()
    return arm.endpoints[key]


def marketplace_key(config: FleetConfig, sub: str, region: str, project: str, model: str) -> str:
    from infra.catalog import MODELS

    names = config.namer.workspace_names(region, project)
    return (f"/subscriptions/{sub}/resourceGroups/{names.resource_group}/providers/Microsoft.MachineLearningServices"
            f"/workspaces/{names.workspace}/marketplaceSubscriptions/"
            f"{config.namer.marketplace_subscription(MODELS[model])}").lower()


def _keys_vault_id(endpoint: Any) -> str:
    ws = endpoint.workspace
    return next(v.id for v in KEYS_VAULTS.get(ws.id.lower(), []))


KEYS_VAULTS: dict[str, list[Any]] = {}  # workspace id -> its unit's keys vault (filled by keys_in_keys_vaults)


def keys_in_keys_vaults(arm: FakeArm, config: FleetConfig, sub: str) -> None:
    """The program keeps endpoint keys in a vault of their own per unit (`keys_vault`), not in the
    workspace's vault where the fake's seed puts them: move them there, as `pulumi up` leaves them."""
    namer = config.namer.for_subscription(sub)
    for region, project in config.units():
        names = namer.workspace_names(region, project, sub)
        ws_vault = (f"/subscriptions/{sub}/resourceGroups/{names.resource_group}/providers/Microsoft.KeyVault/"
                    f"vaults/{names.key_vault}").lower()
        keys_vault = arm.add_vault(sub, names.resource_group, names.keys_vault, region)
        ws_id = (f"/subscriptions/{sub}/resourceGroups/{names.resource_group}/providers/"
                 f"Microsoft.MachineLearningServices/workspaces/{names.workspace}").lower()
        KEYS_VAULTS[ws_id] = [keys_vault]
        for model in config.model_specs:
            secret_name = namer.key_secret(namer.endpoint(project, model))
            old = arm.secrets.pop(f"{ws_vault}/secrets/{secret_name}".lower(), None)
            if old is not None:
                arm.put_secret(keys_vault, secret_name, old.value)


def key_secret(arm: FakeArm, endpoint: Any) -> Any:
    """The Key Vault secret `pulumi up` wrote for `endpoint` (in its unit's keys vault)."""
    from infra.naming import Namer

    return arm.secret(_keys_vault_id(endpoint), Namer.key_secret(endpoint.name))


def plant_drift(arm: FakeArm, fleet: Fleet) -> list[Planted]:
    """One of each verdict (and a few variants) in the dev and test stacks; prod stays clean."""
    from infra.catalog import MODELS

    dev, sub = fleet.configs["dev"], fleet.subscriptions["dev"]
    sd, core, ultra = "stable-diffusion-3.5-large", "stable-image-core", "stable-image-ultra"
    units = dev.units()  # (region, project); at least 10 of them
    planted: list[Planted] = []

    def at(i: int, model: str) -> Any:
        return endpoint_of(arm, dev, sub, *units[i], model)

    def note(status: str, i: int, model: str, *problems: str) -> None:
        region, project = units[i]
        planted.append(Planted(status, sub, region, project, model, dev.namer.endpoint(project, MODELS[model]),
                               problems or (status,)))

    del arm.endpoints[at(0, core).id.lower()]
    note("missing", 0, core)
    at(1, core).provisioning_state = "Failed"
    note("unhealthy", 1, core)
    at(1, ultra).endpoint_state = "Suspended"
    note("unhealthy", 1, ultra)
    at(2, core).content_safety = "Disabled"
    note("content_safety_off", 2, core)
    at(3, core).model_id = MODELS[ultra].asset_id
    note("wrong_model", 3, core)
    at(4, sd).model_id = LLAMA  # a model outside the catalog at a name a stack expects
    note("wrong_model", 4, sd)
    del arm.marketplace[marketplace_key(dev, sub, *units[5], core)]
    note("subscription_missing", 5, core)
    arm.marketplace[marketplace_key(dev, sub, *units[6], ultra)].status = "Suspended"
    at(6, ultra).endpoint_state = "Suspended"  # what Azure does to endpoints of a suspended subscription
    note("subscription_missing", 6, ultra, "subscription_missing", "unhealthy")
    at(7, sd).location = "swedencentral"
    note("region_not_allowed", 7, sd)
    at(8, ultra).location = next(r for r in MODELS[ultra].regions if r != units[8][0])  # allowed, not the stack's
    note("wrong_region", 8, ultra)
    # Key drift: only `maas audit --keys` reads it (the key's Key Vault secret metadata).
    now = int(time.time())
    key_secret(arm, at(9, core)).expires = now + 5 * 86_400
    note("key_expiring", 9, core)
    key_secret(arm, at(9, ultra)).expires = now - 86_400
    note("key_expired", 9, ultra)

    test_sub = fleet.subscriptions["test"]
    shadow = arm.add_workspace(test_sub, "rg-shadow", "mlw-shadow", "westus", tags={"project": "shadow"})
    arm.add_marketplace_subscription(shadow, MODELS[core].resource_name, MODELS[core].asset_id)
    arm.add_endpoint(shadow, "shadow-core", core)
    planted.append(Planted("extra", test_sub, "westus", "shadow", core, "shadow-core", ("extra",)))
    sweden = arm.add_workspace(test_sub, "rg-sweden", "mlw-sweden", "swedencentral")
    arm.add_marketplace_subscription(sweden, MODELS[sd].resource_name, MODELS[sd].asset_id)
    arm.add_endpoint(sweden, "sweden-sd35", sd)
    planted.append(Planted("region_not_allowed", test_sub, "swedencentral", "", sd, "sweden-sd35",
                           ("region_not_allowed", "extra")))
    arm.add_endpoint(shadow, "llama-chat", model_id=LLAMA)  # not a catalog model: counted, not judged
    return planted
