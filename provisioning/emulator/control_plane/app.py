"""The simulated control plane's HTTP answers (a Starlette app), shaped from Azure's public REST specs.

Sources, per route: resources `Subscriptions_List`/`Get` (2022-12-01), `Providers_List`,
`ResourceGroups_CheckExistence` (HEAD: 204 / 404) and `Resources_List` (2025-04-01);
authorization `Permissions_ListForResource` / `ListForResourceGroup` (2022-04-01, `{value: [{actions,
notActions, dataActions, notDataActions}]}`); machinelearningservices `ServerlessEndpoints_List/Get/
ListKeys/RegenerateKeys` (`regenerateKeys` body `{keyType: Primary|Secondary}`, 200 with
`{primaryKey, secondaryKey}`), `Workspaces_Get`, `MarketplaceSubscriptions_List`; keyvault
`Secrets_Get/CreateOrUpdate` (2023-07-01, the value is never returned); Resource Graph `Resources`
(2022-10-01, `{totalRecords, count, resultTruncated, data}`); errors as ARM's `{"error": {code,
message}}` with 401 InvalidAuthenticationToken / 404 ResourceNotFound / ResourceGroupNotFound.
Every answer carries `x-maas-simulated: true`.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from provisioning.emulator.control_plane.state import ML, SIMULATED_TAG, SimSecret, SimulatedFleet, new_key

SIMULATED_HEADER = {"x-maas-simulated": "true"}
Handler = Callable[[SimulatedFleet, Request, dict[str, str], Any], Awaitable[Response]]
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []

_SUB = r"^/subscriptions/(?P<sub>[^/]+)"
_RG = _SUB + r"/resourcegroups/(?P<rg>[^/]+)"
_WS = _RG + r"/providers/microsoft\.machinelearningservices/workspaces/(?P<ws>[^/]+)"
_VAULT = _RG + r"/providers/microsoft\.keyvault/vaults/(?P<vault>[^/]+)"


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, re.compile(pattern + "$", re.I), handler))
        return handler
    return register


def answer(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=SIMULATED_HEADER)


def error(status: int, code: str, message: str) -> JSONResponse:
    return answer({"error": {"code": code, "message": f"(SIMULATED) {message}"}}, status)


def page(items: list[dict[str, Any]]) -> JSONResponse:
    return answer({"value": items})  # a stack's fleet fits in one page; nextLink is omitted


def build_app(fleet: SimulatedFleet, token: str) -> Starlette:
    async def dispatch(request: Request) -> Response:
        if request.headers.get("authorization", "") != f"Bearer {token}":
            return error(401, "InvalidAuthenticationToken", "The access token is invalid: this simulated control "
                         "plane accepts only the MAAS_ACCESS_TOKEN printed by `maas emulate --control-plane`.")
        path = request.url.path.rstrip("/") or "/"
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        for method, pattern, handler in _ROUTES:
            found = pattern.match(path)
            if found and method == request.method:
                with fleet.lock:
                    return await handler(fleet, request, found.groupdict(), body)
        return error(404, "NoRegisteredProviderFound" if "/providers/" in path else "NotFound",
                     f"The simulated control plane does not serve {request.method} {path}.")

    async def inference(request: Request) -> Response:
        return answer({"error": {"code": "NotServed", "message": "(SIMULATED) this endpoint exists only in the "
                                 "simulated control plane; for image requests use `maas verify --emulate`"}}, 501)

    return Starlette(routes=[
        Route("/simulated-inference/{rest:path}", inference, methods=["GET", "POST"]),
        Route("/{path:path}", dispatch, methods=["GET", "PUT", "POST", "PATCH", "DELETE", "HEAD"]),
    ])


def _subscription(fleet: SimulatedFleet, sub: str) -> Response | None:
    if sub.lower() != fleet.subscription:
        return error(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
    return None


def _rg_missing(fleet: SimulatedFleet, sub: str, rg: str) -> Response | None:
    if _subscription(fleet, sub) is not None:
        return _subscription(fleet, sub)
    if rg.lower() not in fleet.resource_groups:
        return error(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
    return None


def _ws_id(g: dict[str, str]) -> str:
    return f"/subscriptions/{g['sub']}/resourceGroups/{g['rg']}/providers/{ML}/workspaces/{g['ws']}".lower()


def _workspace(fleet: SimulatedFleet, g: dict[str, str]) -> dict[str, Any] | Response:
    missing = _rg_missing(fleet, g["sub"], g["rg"])
    if missing is not None:
        return missing
    ws = fleet.workspaces.get(_ws_id(g))
    if ws is None:
        return error(404, "ResourceNotFound", f"The Resource '{ML}/workspaces/{g['ws']}' under resource group "
                                              f"'{g['rg']}' was not found.")
    return ws


@route("GET", r"^/subscriptions")
async def _list_subscriptions(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    return page([fleet.subscription_body()])


@route("GET", _SUB)
async def _get_subscription(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    return _subscription(fleet, g["sub"]) or answer(fleet.subscription_body())


@route("GET", _SUB + r"/providers")
async def _providers(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    return _subscription(fleet, g["sub"]) or page(fleet.providers())


@route("GET", _SUB + r"/providers/(?P<ns>[^/]+)")
async def _provider(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    found = [p for p in fleet.providers() if p["namespace"].lower() == g["ns"].lower()]
    return _subscription(fleet, g["sub"]) or (answer(found[0]) if found else error(
        404, "InvalidResourceNamespace", f"The resource namespace '{g['ns']}' is invalid."))


def _generic_rows(fleet: SimulatedFleet, prefix: str) -> list[dict[str, Any]]:
    bodies = [*fleet.workspaces.values(), *fleet.vaults.values(), *(e.body() for e in fleet.endpoints.values())]
    return sorted(({k: b[k] for k in ("id", "name", "type", "location", "tags") if k in b}
                   for b in bodies if b["id"].lower().startswith(prefix)), key=lambda r: r["id"].lower())


@route("GET", _SUB + r"/resources")
async def _resources(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    return _subscription(fleet, g["sub"]) or page(_generic_rows(fleet, f"/subscriptions/{g['sub']}/".lower()))


@route("HEAD", _RG)
async def _rg_exists(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    status = 204 if g["sub"].lower() == fleet.subscription and g["rg"].lower() in fleet.resource_groups else 404
    return Response(status_code=status, headers=SIMULATED_HEADER)


@route("GET", _RG)
async def _rg_get(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    missing = _rg_missing(fleet, g["sub"], g["rg"])
    return missing or answer({"id": f"/subscriptions/{fleet.subscription}/resourceGroups/{g['rg']}", "name": g["rg"],
                              "type": "Microsoft.Resources/resourceGroups",
                              "location": fleet.resource_groups[g["rg"].lower()], "tags": dict(SIMULATED_TAG),
                              "properties": {"provisioningState": "Succeeded"}})


@route("GET", r"(?P<scope>/subscriptions/.*)/providers/microsoft\.authorization/permissions")
async def _permissions(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    # The simulated caller holds everything everywhere in the fleet (as an Owner would).
    parts = g["scope"].strip("/").split("/")
    missing = _subscription(fleet, parts[1]) if len(parts) < 4 else _rg_missing(fleet, parts[1], parts[3])
    return missing or page([{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}])


@route("GET", _SUB + r"/providers/microsoft\.machinelearningservices/workspaces")
async def _list_workspaces(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    return _subscription(fleet, g["sub"]) or page(sorted(fleet.workspaces.values(), key=lambda w: w["id"].lower()))


@route("GET", _WS)
async def _get_workspace(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    ws = _workspace(fleet, g)
    return ws if isinstance(ws, Response) else answer(ws)


@route("GET", _WS + r"/serverlessendpoints")
async def _list_endpoints(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    ws = _workspace(fleet, g)
    if isinstance(ws, Response):
        return ws
    prefix = _ws_id(g) + "/serverlessendpoints/"
    return page([e.body() for k, e in sorted(fleet.endpoints.items()) if k.startswith(prefix)])


def _endpoint(fleet: SimulatedFleet, g: dict[str, str]) -> Any:
    ws = _workspace(fleet, g)
    if isinstance(ws, Response):
        return ws
    found = fleet.endpoints.get(f"{_ws_id(g)}/serverlessendpoints/{g['name'].lower()}")
    if found is None:
        return error(404, "ResourceNotFound", f"The Resource '{ML}/workspaces/{g['ws']}/serverlessEndpoints/"
                                              f"{g['name']}' under resource group '{g['rg']}' was not found.")
    return found


@route("GET", _WS + r"/serverlessendpoints/(?P<name>[^/]+)")
async def _get_endpoint(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    found = _endpoint(fleet, g)
    return found if isinstance(found, Response) else answer(found.body())


@route("POST", _WS + r"/serverlessendpoints/(?P<name>[^/]+)/listkeys")
async def _list_keys(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    found = _endpoint(fleet, g)
    return found if isinstance(found, Response) else answer(
        {"primaryKey": found.primary, "secondaryKey": found.secondary})


@route("POST", _WS + r"/serverlessendpoints/(?P<name>[^/]+)/regeneratekeys")
async def _regenerate(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    found = _endpoint(fleet, g)
    if isinstance(found, Response):
        return found
    key_type = str((body or {}).get("keyType", "")).lower()
    if key_type not in ("primary", "secondary"):
        return error(400, "BadRequest", f"keyType '{key_type}' is invalid; expected Primary or Secondary.")
    value = (body or {}).get("keyValue") or new_key()  # the spec: keyValue is the value the key is set to
    if key_type == "primary":
        found.primary = value
    else:
        found.secondary = value
    return answer({"primaryKey": found.primary, "secondaryKey": found.secondary})


@route("GET", _WS + r"/marketplacesubscriptions")
async def _list_marketplace(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    ws = _workspace(fleet, g)
    if isinstance(ws, Response):
        return ws
    prefix = _ws_id(g) + "/marketplacesubscriptions/"
    return page([m for k, m in sorted(fleet.marketplace.items()) if k.startswith(prefix)])


def _vault_id(g: dict[str, str]) -> str:
    rg = f"/subscriptions/{g['sub']}/resourceGroups/{g['rg']}"
    return f"{rg}/providers/Microsoft.KeyVault/vaults/{g['vault']}".lower()


@route("GET", _VAULT)
async def _get_vault(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    vault = fleet.vaults.get(_vault_id(g))
    return answer(vault) if vault else error(404, "ResourceNotFound", f"Vault '{g['vault']}' was not found.")


@route("GET", _VAULT + r"/secrets/(?P<name>[^/]+)")
async def _get_secret(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    secret = fleet.secrets.get(f"{_vault_id(g)}/secrets/{g['name'].lower()}")
    return answer(secret.body()) if secret else error(
        404, "ResourceNotFound", f"The Resource 'Microsoft.KeyVault/vaults/{g['vault']}/secrets/{g['name']}' under "
                                 f"resource group '{g['rg']}' was not found.")


@route("PUT", _VAULT + r"/secrets/(?P<name>[^/]+)")
async def _put_secret(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    vault = fleet.vaults.get(_vault_id(g))
    if vault is None:
        return error(404, "ResourceNotFound", f"Vault '{g['vault']}' was not found.")
    props = (body or {}).get("properties") or {}
    if not isinstance(props.get("value"), str):
        return error(400, "BadRequest", "properties.value is required.")
    key = f"{_vault_id(g)}/secrets/{g['name'].lower()}"
    existing = fleet.secrets.get(key)
    secret = SimSecret(vault["id"], vault["name"], vault["location"], g["name"], props["value"],
                       tags=dict((body or {}).get("tags") or (existing.tags if existing else {})),
                       content_type=str(props.get("contentType") or (existing.content_type if existing else "")),
                       version=uuid.uuid4().hex)
    secret.tags.pop("maas-simulated", None)
    fleet.secrets[key] = secret
    return answer(secret.body(), 200 if existing else 201)


_GRAPH_TYPES = re.compile(r"\btype\s+in~\s*\(([^)]*)\)", re.I)


@route("POST", r"^/providers/microsoft\.resourcegraph/resources")
async def _graph(fleet: SimulatedFleet, request: Request, g: dict[str, str], body: Any) -> Response:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return error(400, "BadRequest", "Please provide a query.")
    subscriptions = [str(s).lower() for s in body.get("subscriptions") or [fleet.subscription]]
    rows = []
    if fleet.subscription in subscriptions:
        bodies = [*fleet.workspaces.values(), *(e.body() for e in fleet.endpoints.values()),
                  *fleet.marketplace.values()]
        for b in bodies:
            parts = b["id"].split("/")
            # Resource Graph lower-cases type and resourceGroup in `resources` rows.
            rows.append({"id": b["id"], "name": b["name"], "type": b["type"].lower(), "tenantId": "",
                         "kind": b.get("kind", ""), "location": b.get("location", ""),
                         "resourceGroup": parts[4].lower(),
                         "subscriptionId": parts[2], "sku": b.get("sku"), "properties": b.get("properties", {}),
                         "tags": b.get("tags") or {}, "identity": b.get("identity")})
    found = _GRAPH_TYPES.search(body["query"])
    if found:
        wanted = {t.strip().strip("'\"").lower() for t in found.group(1).split(",") if t.strip()}
        rows = [r for r in rows if r["type"] in wanted]
    rows.sort(key=lambda r: r["id"].lower())
    return answer({"totalRecords": len(rows), "count": len(rows), "resultTruncated": "false", "facets": [],
                   "data": rows})
