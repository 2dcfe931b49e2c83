"""Wait until ARM serves a just-created custom role definition, before anything is assigned to it.

Why: ARM replicates a new role definition for a while after its PUT succeeded. Reads in that window
answer 404 `RoleDefinitionDoesNotExist` from some replicas and 200 from others (pulumi/pulumi-azure#840,
Azure/azure-cli#20727), and a role assignment made in it fails the same way
(hashicorp/terraform-provider-azurerm#19916, #10602). pulumi-azure-native does not wait or retry for
this: it PUTs the assignment as soon as the definition's PUT returned. So the program puts a small
resource between each custom role definition and its assignments: its create reads the definition
until ARM answers it several times in a row (as azurerm's provider polls for eventual consistency,
`ContinuousTargetOccurence`), within a bounded deadline, and the assignments depend on it.

If Azure is slower still, the wait fails with one line saying so; nothing is assigned to a role ARM
cannot see yet, and a second `pulumi up` (the definitions exist by then) finishes the assignments.

The read runs inside Pulumi's dynamic-provider process with its own Azure credential: MAAS_ACCESS_TOKEN
when set, else DefaultAzureCredential (environment, workload identity, managed identity, az login), and
MAAS_ARM_ENDPOINT for a sovereign cloud. The provider class is pickled by reference, so that process
imports this module from the project's virtualenv (`make install` installs the project into it;
pulumi/pulumi#7453).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

API_VERSION: Final = "2022-04-01"  # Microsoft.Authorization roleDefinitions
PUBLIC_ARM_ENDPOINT: Final = "https://management.azure.com"
ENV_ARM_ENDPOINT: Final = "MAAS_ARM_ENDPOINT"
ENV_ACCESS_TOKEN: Final = "MAAS_ACCESS_TOKEN"  # noqa: S105 - the variable's name, not a token
ENV_RETRY_BACKOFF: Final = "MAAS_ARM_RETRY_BACKOFF"  # seconds; the maas commands read the same variable

DEADLINE_S: Final = 300.0  # Azure documents "up to several minutes" for RBAC changes to propagate
INTERVAL_S: Final = 5.0
CONSECUTIVE: Final = 3  # replicas disagree for a while: one 200 is not enough

# Answers that mean "not yet" (the definition has not reached the replica that answered, ARM is busy, or
# no answer came: NO_ANSWER); anything else but 200 means the wait cannot succeed and is reported at once.
NO_ANSWER: Final = 0
_NOT_YET: Final = frozenset({NO_ANSWER, 404, 408, 429, 500, 502, 503, 504})


class RoleDefinitionNotReady(Exception):
    """The definition was not served within the deadline, or could not be read at all."""


@dataclass(frozen=True)
class Waited:
    reads: int
    seconds: float


def wait_for_role_definition(
    read: Callable[[], int],
    role_definition_id: str,
    *,
    deadline_s: float = DEADLINE_S,
    interval_s: float = INTERVAL_S,
    consecutive: int = CONSECUTIVE,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Waited:
    """Call `read` (one GET of the definition, returning the HTTP status) until it answers 200
    `consecutive` times in a row; raise RoleDefinitionNotReady past `deadline_s`."""
    start = clock()
    reads = streak = 0
    last = 0
    while True:
        last = read()
        reads += 1
        if last == 200:
            streak += 1
            if streak >= consecutive:
                return Waited(reads, clock() - start)
        elif last in _NOT_YET:
            streak = 0
        else:
            raise RoleDefinitionNotReady(
                f"reading role definition {role_definition_id} answered HTTP {last}; the identity running pulumi "
                "needs Microsoft.Authorization/roleDefinitions/read at the subscription (Reader is enough)")
        if clock() - start + interval_s > deadline_s:
            raise RoleDefinitionNotReady(
                f"ARM did not serve role definition {role_definition_id} {consecutive} times in a row within "
                f"{deadline_s:.0f} s (last answer HTTP {last}); the definition exists and keeps propagating: "
                "run `pulumi up` again in a few minutes to make the role assignments")
        sleep(interval_s)


# --------------------------------------------------------------------------------------------------
# Reading the definition from ARM
# --------------------------------------------------------------------------------------------------


class _StaticToken:
    """A bearer token handed over in MAAS_ACCESS_TOKEN (pipelines that already hold one)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self._token, int(time.time()) + 3600)


def arm_reader(role_definition_id: str, environ: dict[str, str] | None = None,
               credential: Any = None) -> Callable[[], int]:
    """One GET of `{endpoint}{role_definition_id}` through an azure-core pipeline (bearer token,
    transport retries for connection errors); returns the status, never the body. A connection that
    still fails is NO_ANSWER (try again); a credential that cannot give a token stops the wait."""
    from azure.core import PipelineClient
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError
    from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy, UserAgentPolicy
    from azure.core.rest import HttpRequest

    env = dict(os.environ if environ is None else environ)
    endpoint = env.get(ENV_ARM_ENDPOINT, PUBLIC_ARM_ENDPOINT).rstrip("/")
    token = env.get(ENV_ACCESS_TOKEN)
    if credential is not None:
        pass
    elif token:
        credential = _StaticToken(token)
    else:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
    # Status codes are the answer here: the pipeline retries connection failures only.
    client: PipelineClient[Any, Any] = PipelineClient(endpoint, policies=[
        UserAgentPolicy(sdk_moniker="maas-fleet-role-propagation"),
        RetryPolicy(retry_total=3, retry_status=0,
                    retry_backoff_factor=float(env.get(ENV_RETRY_BACKOFF) or 0.5)),
        BearerTokenCredentialPolicy(credential, f"{endpoint}/.default"),
    ])
    url = f"{endpoint}/{role_definition_id.lstrip('/')}"

    def read() -> int:
        try:
            response = client.send_request(HttpRequest("GET", url, params={"api-version": API_VERSION}))
        except ClientAuthenticationError as exc:
            first = (str(exc.message or exc).strip().splitlines() or [""])[0][:300]
            raise RoleDefinitionNotReady(
                f"no Azure token to read role definition {role_definition_id} ({first}); sign in with `az login`, "
                f"set AZURE_CLIENT_ID/AZURE_TENANT_ID with a secret or federated token, or {ENV_ACCESS_TOKEN}"
            ) from None
        except (ServiceRequestError, ServiceResponseError):
            return NO_ANSWER
        return int(response.status_code)

    return read


# --------------------------------------------------------------------------------------------------
# The Pulumi resource
# --------------------------------------------------------------------------------------------------


class RoleDefinitionReadyProvider(ResourceProvider):
    """create: wait until ARM serves the definition; nothing to delete (the definition is not ours)."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        role_id = str(props["roleDefinitionId"])
        waited = wait_for_role_definition(arm_reader(role_id), role_id,
                                          deadline_s=float(props.get("deadlineSeconds") or DEADLINE_S),
                                          interval_s=float(props.get("intervalSeconds") or INTERVAL_S))
        return CreateResult(id_=role_id, outs={**props, "reads": waited.reads})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # A new definition (new id) must be waited for again; a changed deadline changes nothing in Azure.
        changed = olds.get("roleDefinitionId") != news.get("roleDefinitionId")
        return DiffResult(changes=changed, replaces=["roleDefinitionId"] if changed else [],
                          delete_before_replace=False)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class RoleDefinitionReady(Resource, module="maas-fleet", name="RoleDefinitionReady"):
    """Stands between a custom role definition and its assignments (they depend on it)."""

    def __init__(self, name: str, role_definition_id: pulumi.Input[str], deadline_s: float = DEADLINE_S,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(RoleDefinitionReadyProvider(), name,
                         {"roleDefinitionId": role_definition_id, "deadlineSeconds": deadline_s, "reads": None},
                         opts)
