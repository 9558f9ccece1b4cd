"""The open-loop load: orders sent on a schedule fixed before the first one leaves, whatever the hub does.

Each order is due at its arrival time (Poisson or evenly spaced at ``rate`` a second) and is sent
then, or as soon as one of ``concurrency`` connection slots frees up. Its latency is counted from
when it was *due*, so a slow hub shows as latency (waiting for a slot included), never as a lower
offered rate: a closed loop that waits for each answer would send less exactly when the hub is
slow, and hide it (coordinated omission). Follow-ups ride on earlier orders, as the mix asks:
a cancel or an edit ``follow_up_delay_s`` after capture, a return once the tracker sees it shipped.

Bodies are built before the clock starts, so making them costs nothing on the schedule.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from overture.load.mix import Mix
from overture.load.orders import OrderMaker
from overture.load.tracker import Settled, Tracker

SEED_CHUNK = 5_000  # the bulk endpoints take up to 20,000 entries; smaller keeps each transaction short


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: ``due_s`` after the start it was due; ``latency_s`` from then until its answer."""

    kind: str  # capture | cancel | edit | return
    due_s: float
    latency_s: float
    status: int  # HTTP status; 0 when no answer came
    code: str = ""  # the hub's error code, or the exception's name when no answer came; "" when it succeeded
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class LoadOptions:
    rate: float  # orders a second, offered
    duration_s: float
    concurrency: int = 64
    timeout_s: float = 30.0
    drain_s: float = 60.0  # after the last send, how long to wait for orders to settle
    poll_rate: float = 20.0  # order reads a second, in all, by the tracker (0: do not track)

    def __post_init__(self) -> None:
        for name in ("rate", "duration_s", "concurrency", "timeout_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be above 0, not {getattr(self, name)}")
        for name in ("drain_s", "poll_rate"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more, not {getattr(self, name)}")


@dataclass(frozen=True, slots=True)
class Planned:
    due_s: float
    key: str
    body: bytes
    first_quantity: int
    follow_up: str | None


@dataclass(slots=True)
class Live:
    """What the progress display shows, updated as answers come in."""

    due: int = 0
    sent: int = 0
    answered: int = 0
    placed: int = 0
    errors: int = 0
    in_flight: int = 0
    recent: list[float] = field(default_factory=list)  # capture latencies of the last second or so


@dataclass(frozen=True, slots=True)
class RunResult:
    options: LoadOptions
    offered: int  # orders scheduled
    send_window_s: float  # from the start until the last order was due
    samples: list[Sample]
    placed: dict[str, float]  # order id -> when it was due
    settled: list[Settled]
    unsettled: int
    exceptions: dict[str, int]  # by type, on this run's orders


def arrivals(rate: float, duration_s: float, *, kind: str, rng: random.Random) -> list[float]:
    """When each order is due, in seconds from the start: ``rate`` a second on average for ``duration_s``."""
    if kind == "uniform":
        return [n / rate for n in range(int(rate * duration_s))]
    times: list[float] = []
    at = rng.expovariate(rate)
    while at < duration_s:
        times.append(at)
        at += rng.expovariate(rate)
    return times


def plan(maker: OrderMaker, mix: Mix, options: LoadOptions, run_id: str) -> list[Planned]:
    rng = random.Random(mix.seed + 1)  # the schedule's own stream: a longer run keeps the same first orders
    planned = []
    for n, due in enumerate(arrivals(options.rate, options.duration_s, kind=mix.arrivals, rng=rng)):
        body = maker.order(n)
        key = f"load-{run_id}-{n}"
        planned.append(Planned(due, key, json.dumps(body).encode(), body["lines"][0]["quantity"], maker.follow_up()))
    return planned


def error_code(response: httpx.Response) -> str:
    """The hub's error code (web/errors.py: {"error": {"code": ...}}), or "" when the body has none."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


class LoadRun:
    """One run against one hub; ``run()`` once."""

    def __init__(self, client: httpx.AsyncClient, planned: list[Planned], options: LoadOptions, mix: Mix) -> None:
        self._client = client
        self._planned = planned
        self._options = options
        self._mix = mix
        self._slots = asyncio.Semaphore(options.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._returns: dict[str, int] = {}  # order id -> its plan index, for orders to return once shipped
        self._start = 0.0
        self.samples: list[Sample] = []
        self.placed: dict[str, float] = {}
        self.live = Live()
        self.tracker = Tracker(client, poll_rate=options.poll_rate, on_shipped=self._shipped)

    def now_s(self) -> float:
        return time.monotonic() - self._start

    async def run(self, on_tick: Callable[[LoadRun], None] | None = None) -> RunResult:
        self._start = time.monotonic()
        stop = asyncio.Event()
        tracking = asyncio.create_task(self.tracker.run(stop))
        ticking = asyncio.create_task(self._tick(on_tick, stop)) if on_tick else None
        for n, item in enumerate(self._planned):
            await asyncio.sleep(max(0.0, item.due_s - self.now_s()))
            self.live.due += 1
            self._spawn(self._capture(n, item))
        while self._tasks:  # captures, then the follow-ups they scheduled
            await asyncio.gather(*list(self._tasks))
        if self._options.poll_rate > 0:
            await self.tracker.wait_settled(self._options.drain_s)
            while self._tasks:  # returns asked while draining
                await asyncio.gather(*list(self._tasks))
        stop.set()
        await tracking
        if ticking is not None:
            await ticking
        return RunResult(
            options=self._options,
            offered=len(self._planned),
            send_window_s=self._options.duration_s,
            samples=self.samples,
            placed=self.placed,
            settled=list(self.tracker.settled.values()),
            unsettled=self.tracker.pending,
            exceptions=await exceptions_by_type(self._client, set(self.placed)),
        )

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tick(self, on_tick: Callable[[LoadRun], None], stop: asyncio.Event) -> None:
        while not stop.is_set():
            on_tick(self)
            self.live.recent = self.live.recent[-200:]
            await asyncio.sleep(0.25)
        on_tick(self)

    async def _send(
        self, kind: str, due_s: float, method: str, path: str, *, order_id: str | None = None, **request: Any
    ) -> httpx.Response | None:
        """Send when a slot is free; record the sample, with its latency from ``due_s``."""
        async with self._slots:
            self.live.sent += 1
            self.live.in_flight += 1
            try:
                response: httpx.Response | None = await self._client.request(method, path, **request)
            except httpx.HTTPError as error:
                response, code = None, type(error).__name__
            finally:
                self.live.in_flight -= 1
        latency = self.now_s() - due_s
        self.live.answered += 1
        status = 0 if response is None else response.status_code
        if response is not None:
            code = "" if response.is_success else error_code(response) or f"http_{status}"
            if kind == "capture" and status == 201:
                order_id = str(response.json()["id"])
        self.samples.append(Sample(kind, due_s, latency, status, code, order_id))
        if kind == "capture":
            self.live.recent.append(latency)
        if code:
            self.live.errors += 1
        return response

    async def _capture(self, n: int, item: Planned) -> None:
        headers = {"Idempotency-Key": item.key, "Content-Type": "application/json"}
        response = await self._send("capture", item.due_s, "POST", "/v1/orders", content=item.body, headers=headers)
        if response is None or response.status_code != 201:
            return
        order_id = str(response.json()["id"])
        self.placed[order_id] = item.due_s
        self.live.placed += 1
        self.tracker.add(order_id)
        if item.follow_up in ("cancel", "edit"):
            self._spawn(self._later(item.due_s + self._mix.follow_up_delay_s, item, order_id))
        elif item.follow_up == "return":
            self._returns[order_id] = n

    async def _later(self, due_s: float, item: Planned, order_id: str) -> None:
        await asyncio.sleep(max(0.0, due_s - self.now_s()))
        if item.follow_up == "cancel":
            body: dict[str, Any] = {"reason": "load: the customer cancelled"}
            await self._send("cancel", due_s, "POST", f"/v1/orders/{order_id}/cancel", order_id=order_id, json=body)
        else:
            lines = [{"line_no": 1, "quantity": item.first_quantity + 1}]
            body = {"lines": lines, "reason": "load: the customer wants one more"}
            await self._send("edit", due_s, "POST", f"/v1/orders/{order_id}/edits", order_id=order_id, json=body)

    def _shipped(self, order_id: str) -> None:
        n = self._returns.pop(order_id, None)
        if n is None:
            return
        body = {
            "external_id": f"RET-{self._planned[n].key}",
            "lines": [{"line_no": 1, "quantity": 1, "reason": "size_or_fit"}],
        }
        path = f"/v1/orders/{order_id}/returns"
        self._spawn(self._send("return", self.now_s(), "POST", path, order_id=order_id, json=body))


async def exceptions_by_type(client: httpx.AsyncClient, order_ids: set[str]) -> dict[str, int]:
    """Exceptions (open and resolved) raised on these orders, by type, read page by page from the API."""
    counts: dict[str, int] = {}
    for status in ("open", "resolved"):
        after: str | None = None
        while True:
            params: dict[str, Any] = {"status": status, "limit": 200, **({"after": after} if after else {})}
            response = await client.get("/v1/exceptions", params=params)
            if response.status_code != 200:
                break
            page = response.json()
            for item in page["items"]:
                if item.get("order_id") in order_ids:
                    counts[item["type"]] = counts.get(item["type"], 0) + 1
            after = page.get("next_after")
            if not after:
                break
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


async def seed_catalogue(client: httpx.AsyncClient, maker: OrderMaker) -> None:
    """Warehouses and catalogue through the API (an admin key's work); a warehouse that already exists
    (a second run on the same hub) is left as it is."""
    data = maker.master_data()
    for location in data.locations:
        response = await client.post("/v1/locations", json=location)
        if response.status_code != 409:
            response.raise_for_status()
    for start in range(0, len(data.skus), SEED_CHUNK):
        (await client.post("/v1/skus", json=data.skus[start : start + SEED_CHUNK])).raise_for_status()


async def seed_master_data(client: httpx.AsyncClient, maker: OrderMaker) -> None:
    """Warehouses, catalogue and ample stock, through the API."""
    await seed_catalogue(client, maker)
    data = maker.master_data()
    for start in range(0, len(data.receipts), SEED_CHUNK):
        entries = data.receipts[start : start + SEED_CHUNK]
        (await client.post("/v1/inventory/receipts", json={"entries": entries})).raise_for_status()
