"""`maas keys status`: how old each endpoint key of a stack is and when it expires.

Why through the ARM control plane (`GET {vault}/secrets/{name}`, Microsoft.KeyVault 2023-07-01):
it answers the secret's attributes (created, updated, exp) and never its value, so Reader on the
vault is enough and no Key Vault data-plane access (or network path to the vault) is needed. The
secret is looked for where the Pulumi program declares it (provisioning/operations/planned.py).

Verdicts: `missing` (no secret, or no vault), `expired` (past its expiry), `expiring` (less than
KEY_EXPIRY_WARNING_DAYS left), `ok`. A secret without an `exp` (written before keys carried one, or
by hand) is judged by its age against KEY_LIFETIME_DAYS, and its `expires` is reported as null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from infra.catalog import KEY_EXPIRY_WARNING_DAYS, KEY_LIFETIME_DAYS
from provisioning.azure.errors import ArmError
from provisioning.azure.session import ApiVersion, AzureSession
from provisioning.errors import ExitCode
from provisioning.operations.endpoints import CONCURRENCY
from provisioning.operations.planned import PlannedEndpoint

DAY = 86_400


def fresh_key_expiry(now: datetime | None = None) -> int:
    """`exp` (Unix seconds) for a key written now: the full key lifetime from this moment."""
    now = now or datetime.now(UTC)
    return int((now + timedelta(days=KEY_LIFETIME_DAYS)).timestamp())


class KeyState(StrEnum):
    OK = "ok"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"


@dataclass(frozen=True)
class SecretMeta:
    """A Key Vault secret's attributes as the control plane reports them (Unix seconds)."""

    created: int | None
    updated: int | None
    expires: int | None
    enabled: bool = True

    @classmethod
    def from_body(cls, body: Any) -> SecretMeta:
        props = body.get("properties") if isinstance(body, Mapping) else None
        attributes = (props or {}).get("attributes") or {}

        def stamp(name: str) -> int | None:
            value = attributes.get(name)
            return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

        return cls(stamp("created"), stamp("updated"), stamp("exp"), attributes.get("enabled") is not False)


def judge(meta: SecretMeta | None, now: float) -> KeyState:
    if meta is None:
        return KeyState.MISSING
    if not meta.enabled:  # consumers cannot read a disabled secret: as good as expired
        return KeyState.EXPIRED
    written = meta.updated or meta.created
    end = meta.expires if meta.expires is not None else (written + KEY_LIFETIME_DAYS * DAY if written else None)
    if end is None:  # neither expiry nor age known: ask for a rotation rather than call it fine
        return KeyState.EXPIRING
    if end <= now:
        return KeyState.EXPIRED
    return KeyState.EXPIRING if end - now < KEY_EXPIRY_WARNING_DAYS * DAY else KeyState.OK


def _iso(stamp: int | None) -> str | None:
    return datetime.fromtimestamp(stamp, UTC).isoformat().replace("+00:00", "Z") if stamp is not None else None


@dataclass
class KeyStatus:
    planned: PlannedEndpoint
    secret_uri: str
    meta: SecretMeta | None
    status: KeyState
    now: float
    detail: str = ""

    @property
    def age_days(self) -> int | None:
        written = self.meta.updated or self.meta.created if self.meta else None
        return int((self.now - written) // DAY) if written else None

    def document(self) -> dict[str, Any]:
        p = self.planned
        return {
            "endpoint": p.name, "region": p.region, "project": p.project, "model": p.model.slug,
            "secretUri": self.secret_uri,
            "updated": _iso(self.meta.updated) if self.meta else None,
            "expires": _iso(self.meta.expires) if self.meta else None,
            "ageDays": self.age_days,
            "status": str(self.status),
            "detail": self.detail,
        }


@dataclass
class KeyReport:
    stack: str
    subscription: str
    keys: list[KeyStatus]
    errors: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 every key ok, 1 any expiring, expired or missing (or unreadable)."""
        return 1 if self.errors or any(k.status is not KeyState.OK for k in self.keys) else 0

    def document(self) -> dict[str, Any]:
        counts = {str(s): sum(1 for k in self.keys if k.status is s) for s in KeyState}
        return {"keys": [k.document() for k in self.keys], "errors": list(self.errors),
                "summary": {"keys": len(self.keys), **counts, "lifetimeDays": KEY_LIFETIME_DAYS,
                            "warningDays": KEY_EXPIRY_WARNING_DAYS}}


def read_secret_meta(session: AzureSession, subscription: str, p: PlannedEndpoint) -> SecretMeta | None:
    """The key secret's attributes; None when the secret (or its vault) does not exist."""
    try:
        body = session.arm.get(p.secret_id(subscription), ApiVersion.KEY_VAULT,
                               what=f"reading Key Vault secret {p.secret_name} of endpoint {p.name}").body
    except ArmError as exc:
        if exc.not_found:
            return None
        raise
    return SecretMeta.from_body(body)


def key_statuses(session: AzureSession, subscription: str, endpoints: Sequence[PlannedEndpoint], *, stack: str = "",
                 now: float | None = None, on_progress: Callable[[int, int], None] | None = None) -> KeyReport:
    """Read every endpoint's key secret (bounded concurrency) and judge it."""
    moment = datetime.now(UTC).timestamp() if now is None else now
    _ = session.arm  # build the shared pipeline before the threads do
    wanted = [p for p in endpoints if p.secret is not None]

    def one(p: PlannedEndpoint) -> tuple[PlannedEndpoint, SecretMeta | None | ArmError]:
        try:
            return p, read_secret_meta(session, subscription, p)
        except ArmError as exc:
            if exc.exit_code != ExitCode.FAILED:  # credentials or endpoint unusable: nothing else will work
                raise
            return p, exc

    report = KeyReport(stack, subscription, [])
    with ThreadPoolExecutor(max_workers=min(CONCURRENCY, max(1, len(wanted)))) as pool:
        for done, (p, meta) in enumerate(pool.map(one, wanted), start=1):
            if on_progress is not None:
                on_progress(done, len(wanted))
            if isinstance(meta, ArmError):
                report.errors.append(str(meta))
                report.keys.append(KeyStatus(p, p.key_secret_uri, None, KeyState.MISSING, moment,
                                             "could not be read"))
                continue
            status = judge(meta, moment)
            detail = ""
            if meta is None:
                detail = f"no secret {p.secret_name} in Key Vault {p.vault_name}"
            elif not meta.enabled:
                detail = "the secret is disabled"
            elif meta.expires is None:
                detail = f"no expiry set; judged by age against {KEY_LIFETIME_DAYS} days"
            report.keys.append(KeyStatus(p, p.key_secret_uri, meta, status, moment, detail))
    return report
