"""One Stability AI model in one workspace: marketplace subscription, serverless endpoint, key secret.

Why this order: Azure refuses a serverless endpoint for a marketplace model until the workspace is
subscribed to the offer (`ServerlessOfferNotFound` otherwise), so the endpoint depends on the
subscription explicitly — which also makes `pulumi destroy` remove the endpoint first. The endpoint
key is read once it exists, kept in the unit's keys vault (endpoint keys only) and exported only as a
Pulumi secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pulumi
from pulumi_azure_native import keyvault, machinelearningservices

from infra import catalog
from infra.catalog import ModelSpec

TYPE = "maas-fleet:azure:ModelEndpoint"


def key_expiry(now: datetime | None = None) -> int:
    """The key secret's `exp` (Unix seconds): the key lifetime counted from the start of the current
    UTC month. Why not from "now": the program runs on every `pulumi up`, and an input that moves with
    the clock would rewrite every secret on every run; counted from the month, it moves at most once a
    month, on the first `pulumi up` of the month, always at least lifetime minus a month ahead.
    `maas keys rotate` stamps a fresh key with the full lifetime from the moment it is written."""
    now = now or datetime.now(UTC)
    month = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return int((month + timedelta(days=catalog.KEY_LIFETIME_DAYS)).timestamp())


@dataclass
class ModelEndpointArgs:
    region: str
    model: ModelSpec
    endpoint_name: pulumi.Input[str]  # carries a hash of the subscription, known once ARM answered
    subscription_name: str
    key_secret_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    workspace_name: pulumi.Input[str]
    key_vault_name: pulumi.Input[str]  # the unit's keys vault, not the workspace's own vault
    key_vault_uri: pulumi.Input[str]  # https://<vault>.vault.azure.net/ (cloud-specific suffix)
    tags: dict[str, str]
    model_id: str = ""  # what the endpoint deploys: the asset id, pinned to a version or not (default: unpinned)


class ModelEndpoint(pulumi.ComponentResource):
    name: pulumi.Output[str]
    uri: pulumi.Output[str]
    key: pulumi.Output[str]
    key_secret_uri: pulumi.Output[str]

    def __init__(self, name: str, args: ModelEndpointArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        model = args.model
        deployed_model_id = args.model_id or model.asset_id

        subscription = machinelearningservices.MarketplaceSubscription(
            f"{name}-sub",
            name=args.subscription_name,
            resource_group_name=args.resource_group_name,
            workspace_name=args.workspace_name,
            # The registry asset id, not offer/publisher: the latter fails with ServerlessOfferNotFound.
            properties={"model_id": model.asset_id},
            opts=child,
        )
        endpoint = machinelearningservices.ServerlessEndpoint(
            f"{name}-endpoint",
            name=args.endpoint_name,
            resource_group_name=args.resource_group_name,
            workspace_name=args.workspace_name,
            location=args.region,
            sku={"name": catalog.ENDPOINT_SKU},
            properties={
                "auth_mode": catalog.ENDPOINT_AUTH_MODE,
                "model_settings": {"model_id": deployed_model_id},
                "content_safety": {"content_safety_status": catalog.CONTENT_SAFETY_ENABLED},
            },
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[subscription]),
        )
        keys = machinelearningservices.list_serverless_endpoint_keys_output(
            name=endpoint.name,
            resource_group_name=args.resource_group_name,
            workspace_name=args.workspace_name,
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[endpoint]),
        )
        primary = pulumi.Output.secret(keys.primary_key.apply(lambda k: k or ""))
        secret = keyvault.Secret(
            f"{name}-key",
            secret_name=args.key_secret_name,
            vault_name=args.key_vault_name,
            resource_group_name=args.resource_group_name,
            properties={"value": primary, "content_type": catalog.KEY_SECRET_CONTENT_TYPE,
                        "attributes": {"expires": key_expiry()}},
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["properties"]),
        )

        self.name = endpoint.name
        self.uri = endpoint.properties.apply(lambda p: p.inference_endpoint.uri)
        self.key = primary
        # The versionless URI, built from the vault's own URI so it stays right in sovereign clouds and
        # stays readable: the secret's `properties` output is secret as a whole.
        self.key_secret_uri = pulumi.Output.all(args.key_vault_uri, secret.name).apply(
            lambda parts: f"{str(parts[0]).rstrip('/')}/secrets/{parts[1]}"
        )
        self.register_outputs({"name": self.name, "uri": self.uri, "keySecretUri": self.key_secret_uri})
