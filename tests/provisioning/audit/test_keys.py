"""`maas audit --keys`: key age and expiry folded into the cells, only when asked."""

from __future__ import annotations

import json
import time

from tests.support.audit_fleet import endpoint_of, key_secret


def test_keys_are_read_only_with_the_flag_and_land_in_their_cells(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    config, sub = fleet.configs["dev"], fleet.subscriptions["dev"]
    region, project = config.units()[0]
    expiring = endpoint_of(arm, config, sub, region, project, "stable-image-core")
    key_secret(arm, expiring).expires = int(time.time()) + 3 * 86_400
    gone = endpoint_of(arm, config, sub, region, project, "stable-image-ultra")
    del arm.secrets[next(k for k, s in arm.secrets.items() if s is key_secret(arm, gone))]

    plain = json.loads(maas("audit", *fleet.args(), "--format", "json").stdout)
    assert plain["drift"] == [] and all(c["key"] is None for c in plain["cells"])
    assert not arm.calls("GET", "/secrets/")

    run = maas("audit", *fleet.args(), "--format", "json", "--keys")
    assert run.code == 1
    doc = json.loads(run.stdout)
    cells = {c["endpoint"]: c for c in doc["cells"] if c["region"] == region and c["project"] == project}
    assert cells[expiring.name]["status"] == "key_expiring" and cells[expiring.name]["key"]["status"] == "expiring"
    assert cells[gone.name]["status"] == "key_expired" and cells[gone.name]["key"]["status"] == "missing"
    assert all(c["key"]["status"] == "ok" for c in doc["cells"] if c["status"] == "ok")
    assert len(arm.calls("GET", "/secrets/")) == len(doc["cells"]) == 15
    drift = {d["endpoint"]: d for d in doc["drift"]}
    assert "maas keys rotate --stack dev --all" in drift[expiring.name]["fix"]
    assert "no Key Vault secret" in drift[gone.name]["message"]
