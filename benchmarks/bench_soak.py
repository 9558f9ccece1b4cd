"""Soak: the chaos harness's deployment (2 ``overture api``, 2 ``overture worker``, 1 ``overture dispatcher``,
the WMS and ERP simulators, one Temporal dev server, a PostgreSQL cluster of its own) under steady load
for ``--minutes`` (30 by default) with no faults, the resident memory of every process sampled from
/proc/<pid>/status every 10 s.

Printed per process: RSS after the warm-up (minute 5, or a third of a shorter run), at the end, their
ratio, and "flat" when the end is within 10 % of the warm-up figure. It is a report: exit 0 whatever
the memory does, 1 only when a correctness check fails (a process died, or the chaos audit after the
run is not all 0: lost, duplicated, oversold, mismatched).

    .venv/bin/python benchmarks/bench_soak.py [--minutes 30] [--rate 4]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from overture.chaos.audit import AuditReport, Sources, run_audit
from overture.chaos.cluster import Cluster, deployment
from overture.chaos.load import ChaosLoad, Ledger, balanced_client, seed
from overture.chaos.processes import rss_kib
from overture.chaos.run import wait_settled
from overture.load.mix import Mix
from overture.load.orders import OrderMaker
from overture.load.runner import LoadOptions, plan

SAMPLE_S = 10.0
WARM_UP_S = 300.0
FLAT = 0.10


@dataclass
class Samples:
    """RSS in KiB per process name, as (seconds since the start, KiB)."""

    by_process: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    died: list[str] = field(default_factory=list)


def sample(cluster: Cluster, samples: Samples, stop: threading.Event) -> None:
    start = time.monotonic()
    samples.pids = cluster.pids()
    while not stop.is_set():
        at = time.monotonic() - start
        for name, pid in samples.pids.items():
            kib = rss_kib(pid)
            if kib is None:
                if name not in samples.died:
                    samples.died.append(name)
                continue
            samples.by_process.setdefault(name, []).append((at, kib))
        stop.wait(SAMPLE_S)


async def drive(
    cluster: Cluster, minutes: float, rate: float, *, scarce: bool
) -> tuple[Ledger, dict[tuple[str, str], int]]:
    mix = Mix(seed=11, skus=400, cancel_share=0.03, edit_share=0.02, return_share=0.0)
    options = LoadOptions(rate=rate, duration_s=minutes * 60, concurrency=48, timeout_s=20, drain_s=0, poll_rate=0)
    maker = OrderMaker(mix, run_id="soak")
    async with balanced_client(cluster.api_urls, concurrency=48, timeout_s=20) as client:
        received = await seed(client, maker, scarce_best_sellers=scarce)
        load = ChaosLoad(client, plan(maker, mix, options, "soak"), options, mix)
        await load.run()
    return load.ledger, received


def at_or_after(points: list[tuple[float, int]], second: float) -> int | None:
    return next((kib for at, kib in points if at >= second), None)


def report(samples: Samples, warm_up_s: float) -> list[str]:
    rows = [f"  {'process':<12} {'after warm-up':>14} {'at the end':>12} {'ratio':>7}  verdict"]
    for name, points in samples.by_process.items():
        warm, end = at_or_after(points, warm_up_s), points[-1][1]
        if warm is None:
            rows.append(f"  {name:<12} {'n/a':>14} {end / 1024:>9.1f} MB")
            continue
        ratio = end / warm
        verdict = "flat" if abs(ratio - 1) <= FLAT else ("GREW" if ratio > 1 else "shrank")
        rows.append(f"  {name:<12} {warm / 1024:>11.1f} MB {end / 1024:>9.1f} MB {ratio:>7.3f}  {verdict}")
    return rows


def _run(args: argparse.Namespace, home: Path) -> tuple[Samples, Ledger, AuditReport, float | None]:
    samples, stop = Samples(), threading.Event()
    with deployment(home) as cluster:
        sampler = threading.Thread(target=sample, args=(cluster, samples, stop), daemon=True)
        sampler.start()
        try:
            ledger, received = asyncio.run(drive(cluster, args.minutes, args.rate, scarce=args.scarce))
        finally:
            stop.set()
            sampler.join()
        settled = wait_settled(cluster.store_url, 300)
        sources = Sources(cluster.store_url, cluster.api_urls[0], cluster.wms_url, cluster.erp_url, home)
        return samples, ledger, run_audit(sources, ledger.accepted, received), settled


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=30.0, help="minutes of steady load (default 30)")
    parser.add_argument("--rate", type=float, default=4.0, help="orders a second offered (default 4)")
    parser.add_argument(
        "--scarce",
        action="store_true",
        help="keep the chaos run's scarce best sellers: held orders (open workflows) then pile up all run long",
    )
    args = parser.parse_args(argv)
    warm_up_s = min(WARM_UP_S, args.minutes * 60 / 3)
    home = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    samples, ledger, audit, settled = _run(args, home)
    print()
    print(f"soak: {args.minutes:g} min at {args.rate:g} orders/s, no faults; RSS sampled every {SAMPLE_S:g} s")
    print(f"  RSS after {warm_up_s / 60:g} min of warm-up and at the end (flat: within {FLAT:.0%})")
    print("\n".join(report(samples, warm_up_s)))
    print(f"  accepted {len(ledger.accepted):,}, retried {ledger.retries}, never answered {len(ledger.unanswered)}")
    print(f"  {'settled' if settled is not None else 'NOT settled'}; audit:")
    print(audit.table())
    failed = samples.died or not audit.ok or ledger.unanswered or settled is None
    if samples.died:
        print(f"FAILED: processes died during the soak: {', '.join(samples.died)} (logs in {home})")
    elif failed:
        print(f"FAILED: the audit is not all 0 (logs in {home})")
    else:
        shutil.rmtree(home, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
