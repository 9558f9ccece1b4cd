"""One chaos run: the deployment started, the master data seeded, ``minutes`` of open-loop load with
``faults`` faults at random moments, the faults stopped, the hub given ``settle_s`` to settle, the audit.

Everything is drawn from one seed (printed), so a failing run can be replayed with ``--seed``.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from overture.chaos.audit import SETTLED, AuditReport, Sources, run_audit
from overture.chaos.cluster import Cluster, deployment
from overture.chaos.faults import Injected, Injector, schedule
from overture.chaos.load import ChaosLoad, balanced_client, seed
from overture.load.mix import Mix
from overture.load.orders import OrderMaker
from overture.load.report import nearest_rank
from overture.load.runner import LoadOptions, Planned, plan
from overture.store.engine import make_engine
from overture.store.tables import order_exceptions, orders

BURST_BODIES = 40  # orders made ahead for each kill-after-burst fault


@dataclass(frozen=True, slots=True)
class ChaosOptions:
    minutes: float = 10.0
    faults: int = 30
    rate: float = 4.0
    seed: int | None = None
    settle_s: float = 300.0
    keep: bool = False  # keep the logs' folder (it is removed after a run that passed)


@dataclass
class Outcome:
    seed: int
    options: ChaosOptions
    home: Path
    offered: int = 0
    capture_p50: float | None = None
    capture_p95: float | None = None
    retries: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    unanswered: int = 0
    settled_in_s: float | None = None
    injected: list[Injected] = field(default_factory=list)
    inject_errors: list[str] = field(default_factory=list)
    audit: AuditReport | None = None
    accepted: dict[str, str] = field(default_factory=dict)
    received: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.audit is not None and self.audit.ok and self.unanswered == 0 and self.settled_in_s is not None


def run_chaos(options: ChaosOptions, *, say: Callable[[str], None] = print) -> Outcome:
    seed_value = options.seed if options.seed is not None else random.SystemRandom().randrange(1, 10**6)
    home = Path(tempfile.mkdtemp(prefix="overture-chaos-"))
    outcome = Outcome(seed_value, options, home)
    say(f"chaos: seed {seed_value}, {options.minutes:g} min at {options.rate:g} orders/s, {options.faults} faults")
    say(f"chaos: logs in {home}")
    with deployment(home) as cluster:
        say(f"chaos: deployment up: {', '.join(cluster.pids())}")
        asyncio.run(_load_and_faults(cluster, options, outcome, say))
        say(f"chaos: load over; waiting up to {options.settle_s:g} s for the hub to settle")
        outcome.settled_in_s = wait_settled(cluster.store_url, options.settle_s)
        say("chaos: auditing")
        outcome.audit = audit(cluster, outcome)
    return outcome


def _mix(seed_value: int) -> Mix:
    # No returns: a return's refund and restock would blur "units released <= units received".
    return Mix(seed=seed_value, skus=400, cancel_share=0.03, edit_share=0.02, return_share=0.0)


async def _load_and_faults(
    cluster: Cluster, options: ChaosOptions, outcome: Outcome, say: Callable[[str], None]
) -> None:
    rng = random.Random(outcome.seed)
    mix = _mix(outcome.seed)
    duration_s = options.minutes * 60
    load_options = LoadOptions(
        rate=options.rate, duration_s=duration_s, concurrency=48, timeout_s=20, drain_s=0, poll_rate=0
    )
    run_id = f"c{outcome.seed}"
    maker = OrderMaker(mix, run_id=run_id)
    async with balanced_client(cluster.api_urls, concurrency=48, timeout_s=20) as client:
        outcome.received = await seed(client, maker)
        planned = plan(maker, mix, load_options, run_id)
        load = ChaosLoad(client, planned, load_options, mix)
        bursts = _burst_bodies(mix, run_id, options.faults)
        loop = asyncio.get_running_loop()

        def burst(size: int) -> None:
            items = [bursts.pop() for _ in range(min(size, len(bursts)))]
            loop.call_soon_threadsafe(load.burst, items)

        injector = Injector(cluster, schedule(rng, faults=options.faults, duration_s=duration_s), rng, burst=burst)
        say(f"chaos: sending; {len(planned)} orders planned")
        injector.start()
        try:
            result = await load.run()
        finally:
            await asyncio.to_thread(injector.stop)
    captures = [s.latency_s for s in result.samples if s.kind == "capture" and s.status in (200, 201)]
    outcome.offered = result.offered
    outcome.capture_p50, outcome.capture_p95 = nearest_rank(captures, 50), nearest_rank(captures, 95)
    outcome.accepted = load.ledger.accepted
    outcome.retries = load.ledger.retries
    outcome.refused = dict(Counter(str(status) for status in load.ledger.refused.values()))
    outcome.unanswered = len(load.ledger.unanswered)
    outcome.injected, outcome.inject_errors = injector.injected, injector.errors


def _burst_bodies(mix: Mix, run_id: str, faults: int) -> list[Planned]:
    maker = OrderMaker(mix, run_id=f"{run_id}b")
    items = []
    for n in range(BURST_BODIES * max(1, faults // 8 + 1)):
        body = maker.order(n)
        items.append(Planned(0.0, f"load-{run_id}b-{n}", json.dumps(body).encode(), body["lines"][0]["quantity"], None))
    return items


def unsettled(store_url: str) -> int:
    engine = make_engine(store_url, pool_size=1, max_overflow=0)
    with_exception = sa.select(order_exceptions.c.order_id).where(order_exceptions.c.status == "open")
    query = sa.select(sa.func.count()).where(orders.c.status.not_in(SETTLED), orders.c.id.not_in(with_exception))
    try:
        with engine.connect() as c:
            return int(c.execute(query).scalar_one())
    finally:
        engine.dispose()


def wait_settled(store_url: str, timeout_s: float) -> float | None:
    """Seconds until every order settled; None when some had not after ``timeout_s``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if unsettled(store_url) == 0:
            return time.monotonic() - start
        time.sleep(2)
    return None


def audit(cluster: Cluster, outcome: Outcome) -> AuditReport:
    sources = Sources(cluster.store_url, cluster.api_urls[0], cluster.wms_url, cluster.erp_url, cluster.home)
    return run_audit(sources, outcome.accepted, outcome.received)
