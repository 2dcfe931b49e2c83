"""`maas verify` scaling (docs/architecture.md, Quality bars): 50 emulated endpoints vs 1, 200 ms model latency each.

The bar is "50 endpoints within 1.5x the time of one". The single endpoint is a Stable Diffusion 3.5
Large one, whose suite has the longest chain of model calls (text-to-image, then image-to-image), so
the ratio measures what fifty concurrent suites add, not a longer suite; the fifty mix all three
models over six regions and three projects. Figures are medians of a few runs of the verifier
(suites, image checks, reports) with the emulator already up and warm.

The emulator runs in its own process, as real endpoints live elsewhere (in-process, its serving and
image rendering would share one interpreter lock with the verifier). Next to the verifier, a *floor*:
a bare httpx client sending the same requests in the same order with the same per-endpoint
concurrency, checking nothing. What the fleet costs beyond the floor is the verifier's own overhead;
the floor's own ratio is what the emulator and the machine allow. The CPU seconds each side spent on
one 50-endpoint run say which of them is the limit (on Linux). The in-process figure (what
`maas verify --emulate` does) is printed last.

Prints figures; asserts nothing about time (benchmarks, not tests).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from infra.catalog import DEFAULT_SIZE, REGIONS, Capability, Route  # noqa: E402
from provisioning.emulator import EmulatorSettings, running_emulator  # noqa: E402
from provisioning.inputs.inventory import InventoryEndpoint, load_inventory, write_inventory  # noqa: E402
from provisioning.verify import VerifyOptions, VerifyRun, targets_for, write_reports  # noqa: E402
from provisioning.verify.dialects import AzureDialect  # noqa: E402
from provisioning.verify.imaging import probe_image_base64  # noqa: E402

LATENCY_MS = 200
FLEET = 50
RUNS = 3
SEED = 1
SETTINGS = EmulatorSettings(
    regions=tuple(REGIONS), projects=("main", "blue", "green"), hosted=False, latency_ms=LATENCY_MS
)


def fleet(inventory: list[InventoryEndpoint]) -> tuple[InventoryEndpoint, list[InventoryEndpoint]]:
    by_model: dict[str, list[InventoryEndpoint]] = {}
    for endpoint in inventory:
        by_model.setdefault(endpoint.model, []).append(endpoint)
    mixed = [e for group in zip(*by_model.values(), strict=False) for e in group][:FLEET]
    return by_model["stable-diffusion-3.5-large"][0], mixed


def run_verifier(endpoints: list[InventoryEndpoint]) -> None:
    options = VerifyOptions(seed=SEED, max_images=1000)
    report = asyncio.run(VerifyRun(targets_for(endpoints, options), options).execute())
    with tempfile.TemporaryDirectory() as folder:
        write_reports(report, folder)
    if not report.ok:
        raise SystemExit(f"verification failed: {json.dumps(report.summary_json())}")


async def _floor(endpoints: list[InventoryEndpoint]) -> None:
    """The same requests as the suite, sent by a bare client that checks nothing."""
    dialect, route, size = AzureDialect(), Route.IMAGES_GENERATIONS, DEFAULT_SIZE
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    seed = 0

    async def one(endpoint: InventoryEndpoint) -> None:
        assert endpoint.key is not None
        key = {"authorization": f"Bearer {endpoint.key.get_secret_value()}"}
        url = endpoint.uri + route.value
        limits = httpx.Limits(max_connections=2)
        async with httpx.AsyncClient(verify=context, trust_env=False, limits=limits, timeout=30) as client:
            await client.post(url, json=dialect.text_to_image(route, size, "png", seed).payload, headers=key)
            gate = asyncio.Semaphore(2)

            async def send(payload: dict[str, object], headers: dict[str, str]) -> None:
                async with gate:
                    await client.post(url, json=payload, headers=headers)

            i2i = dialect.image_to_image(route, size, "png", seed, probe_image_base64(size)).payload
            later = [send(dialect.text_to_image(route, size, "png", seed).payload, {}), send(i2i, key)]
            later.append(send(dialect.invalid_size(route, "png", seed).payload, key))
            await asyncio.gather(*later)

    await asyncio.gather(*(one(e) for e in endpoints))


def run_floor(endpoints: list[InventoryEndpoint]) -> None:
    asyncio.run(_floor(endpoints))


def median_s(action: Callable[[list[InventoryEndpoint]], None], endpoints: list[InventoryEndpoint]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action(endpoints)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of process `pid` so far (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def measure(label: str, inventory: list[InventoryEndpoint], with_floor: bool, emulator_pid: int | None = None) -> None:
    single, mixed = fleet(inventory)
    run_verifier([single])  # warm: imports, first connections, the emulator's image cache
    one, many = median_s(run_verifier, [single]), median_s(run_verifier, mixed)
    print(
        f"  {label}: verify 1 endpoint {one * 1000:.0f} ms | {len(mixed)} endpoints {many * 1000:.0f} ms "
        f"| ratio {many / one:.2f}x (bar <= 1.5x)"
    )
    if emulator_pid is not None and (before := cpu_s(emulator_pid)) is not None:
        client = time.process_time()
        run_verifier(mixed)
        client, served = time.process_time() - client, (cpu_s(emulator_pid) or before) - before
        pad = " " * len(label)
        print(f"  {pad}  CPU of one {len(mixed)}-endpoint run: verifier {client:.2f} s, emulator {served:.2f} s")
    if with_floor:
        run_floor([single])
        f_one, f_many = median_s(run_floor, [single]), median_s(run_floor, mixed)
        print(
            f"  {' ' * len(label)}  floor  1 endpoint {f_one * 1000:.0f} ms | {len(mixed)} endpoints "
            f"{f_many * 1000:.0f} ms | ratio {f_many / f_one:.2f}x; verifier beyond the floor at 50: "
            f"{(many - f_many) * 1000:+.0f} ms"
        )


def _serve(inventory_path: str, ready: Event, stop: Event) -> None:
    with running_emulator(SETTINGS) as emu:
        write_inventory(inventory_path, emu.inventory)
        ready.set()
        stop.wait(600)


def main() -> None:
    models = sorted({m for m in SETTINGS.models})
    capable = [m for m in models if AzureDialect().supports(m, Capability.IMAGE_TO_IMAGE)]
    print(
        f"verify: {FLEET} vs 1 emulated endpoints ({len(models)} models, {len(capable)} with image-to-image), "
        f"{LATENCY_MS} ms model latency, median of {RUNS}"
    )
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "inventory.json")
        server = context.Process(target=_serve, args=(path, ready, stop), daemon=True)
        server.start()
        try:
            if not ready.wait(60):
                raise SystemExit("the emulator did not start")
            measure("emulator in its own process", load_inventory(path), with_floor=True, emulator_pid=server.pid)
        finally:
            stop.set()
            server.join(10)
    with running_emulator(SETTINGS) as emu:
        measure("emulator in this process   ", emu.inventory, with_floor=False)


if __name__ == "__main__":
    main()
