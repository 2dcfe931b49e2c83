"""Azure Resource Graph: the whole estate of workspaces, serverless endpoints and marketplace
subscriptions in ONE query for all audited subscriptions, paged with skip tokens.

Why Resource Graph: listing per workspace costs two calls per workspace, so an audit of hundreds of
workspaces costs hundreds of calls and hits ARM throttling; one Graph query costs one call per page of
up to 1,000 rows (and one more per 1,000 subscriptions), whatever the number of workspaces.

Why azure-mgmt-resourcegraph's ResourceGraphClient built by `ArmRest.sdk_client`: the generated
client owns the request and answer models (QueryRequest, QueryRequestOptions, QueryResponse), and
running it on the ARM client's own policies keeps what every other audit call has: the same-host
guard, one retry policy honouring Retry-After (Graph throttles per user), the token scope of
sovereign clouds, the CA bundle, one-line errors, and one call counter for the report and the
benchmark. The call pins api-version 2022-10-01 (the stable `resources` version; the SDK 8.0.1
defaults to 2021-03-01, whose request and answer have the same shape).

What Graph indexes (the `resources` table reference, MicrosoftDocs/azure-docs
articles/governance/resource-graph/reference/supported-tables-resources.md): it lists
`microsoft.machinelearningservices/workspaces` and `.../workspaces/serverlessendpoints`, but not
`.../workspaces/marketplacesubscriptions`. The query asks for all three anyway; when the answer holds
endpoints but no marketplace subscription at all, the caller reads marketplace subscriptions per
workspace holding a catalog endpoint (see actual.py) and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from infra.resource_types import ENDPOINT_ARM_TYPE as ENDPOINT_TYPE
from infra.resource_types import MARKETPLACE_ARM_TYPE
from infra.resource_types import WORKSPACE_ARM_TYPE as WORKSPACE_TYPE
from provisioning.azure.arm import ArmRest, translated
from provisioning.azure.errors import ArmError, from_sdk_error

GRAPH_PATH: Final = "/providers/Microsoft.ResourceGraph/resources"
GRAPH_API_VERSION: Final = "2022-10-01"
MARKETPLACE_TYPE: Final = MARKETPLACE_ARM_TYPE
AUDITED_TYPES: Final = (WORKSPACE_TYPE, ENDPOINT_TYPE, MARKETPLACE_TYPE)
PAGE_SIZE: Final = 1000  # the service's maximum $top
SUBSCRIPTIONS_PER_QUERY: Final = 1000  # Resource Graph's limit on the `subscriptions` scope of one request
MAX_PAGES: Final = 1000
COLUMNS: Final = ("id", "name", "type", "location", "resourceGroup", "subscriptionId", "tags", "properties")

# Answers that mean "Resource Graph is not available to this caller here", so listing per
# subscription is the way on: no permission (403), provider not registered, or no Graph at this
# management endpoint (clouds and stacks without it answer 404 InvalidResourceType).
_UNAVAILABLE_CODES: Final = frozenset({
    "authorizationfailed", "missingsubscriptionregistration", "subscriptionnotregistered",
    "noregisteredproviderfound", "invalidresourcetype", "invalidresourcenamespace", "disallowedoperation",
    "requestdisallowedbypolicy",
})


def build_query() -> str:
    """KQL over the `resources` table. `id` is projected and ordered on: Resource Graph only pages
    (hands out $skipToken) in a stable order when the id column is present."""
    types = ", ".join(f"'{t.lower()}'" for t in AUDITED_TYPES)
    return f"resources | where type in~ ({types}) | project {', '.join(COLUMNS)} | order by id asc"


class GraphUnavailable(Exception):
    """Resource Graph refused the query in a way listing may not (403, not registered, absent)."""

    def __init__(self, error: ArmError) -> None:
        self.error = error
        super().__init__(str(error))


@dataclass
class GraphResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    total_records: int = 0
    truncated: bool = False


def is_unavailable(error: ArmError) -> bool:
    return error.status == 403 or error.code.lower() in _UNAVAILABLE_CODES or (
        error.status == 404 and error.code.lower() in ("", "notfound"))


def query_resources(arm: ArmRest, subscriptions: Sequence[str], query: str | None = None) -> GraphResult:
    """All rows of `query` over `subscriptions`, following $skipToken; GraphUnavailable when the
    caller may not use Resource Graph, ArmError for anything else."""
    query = query or build_query()
    result = GraphResult()
    for start in range(0, len(subscriptions), SUBSCRIPTIONS_PER_QUERY):
        batch = list(subscriptions[start:start + SUBSCRIPTIONS_PER_QUERY])
        _query_batch(arm, batch, query, result)
    return result


def _query_batch(arm: ArmRest, subscriptions: list[str], query: str, result: GraphResult) -> None:
    from azure.core.exceptions import HttpResponseError
    from azure.mgmt.resourcegraph import ResourceGraphClient
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions, ResultFormat

    client = arm.sdk_client(ResourceGraphClient)
    what = f"querying Azure Resource Graph over {len(subscriptions)} subscription(s)"
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        options = QueryRequestOptions(result_format=ResultFormat.OBJECT_ARRAY, top=PAGE_SIZE, skip_token=token)
        request = QueryRequest(subscriptions=subscriptions, query=query, options=options)
        try:
            with translated(what, arm.settings.arm_endpoint):
                try:
                    answer = client.resources(request, api_version=GRAPH_API_VERSION)
                except HttpResponseError as exc:
                    raise from_sdk_error(exc, what) from None
        except ArmError as exc:
            if result.pages == 0 and is_unavailable(exc):
                raise GraphUnavailable(exc) from None
            raise
        result.pages += 1
        if answer.data is None:
            raise ArmError(what, 200, "UnexpectedAnswer", "the answer has no `data`",
                           "check --arm-endpoint; if it is Azure, report the request id")
        result.rows.extend(_rows(answer.data))
        if token is None:
            result.total_records += _int(answer.total_records)
        if str(getattr(answer.result_truncated, "value", answer.result_truncated)).lower() == "true":
            result.truncated = True
        token = answer.skip_token or None
        if token is None:
            return
        if token in seen:
            raise ArmError(what, 200, "PagingLoop", "Resource Graph returned the same $skipToken twice",
                           "retry; if it persists, run with --source arm-listing")
        seen.add(token)
    raise ArmError(what, None, "TooManyPages", f"more than {MAX_PAGES} pages", "audit fewer subscriptions per run")


def _rows(data: Any) -> list[dict[str, Any]]:
    """objectArray rows as they are; a `table` answer ({columns, rows}) turned into the same shape."""
    if isinstance(data, list):
        return [dict(r) for r in data if isinstance(r, Mapping)]
    if isinstance(data, Mapping) and isinstance(data.get("columns"), list) and isinstance(data.get("rows"), list):
        names = [str(c.get("name")) if isinstance(c, Mapping) else str(c) for c in data["columns"]]
        return [dict(zip(names, row, strict=False)) for row in data["rows"] if isinstance(row, list)]
    return []


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
