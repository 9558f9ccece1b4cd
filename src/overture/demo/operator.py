"""The operator of ``overture demo``: breaks the outside systems at set points and mends the damage
through the public API, as a person working the exception queue would (retry, cancel, receive stock),
watching the store until every order has settled."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from rich.progress import Progress, TaskID
from sqlalchemy import select

from overture.bootstrap import Container
from overture.demo.data import WAREHOUSES
from overture.demo.loop import DemoHub, checked
from overture.store.engine import READONLY
from overture.store.tables import order_exceptions, orders

ACTOR = "demo-operator"  # its key's name
# What the hub records for what it does: the key signed in, with its role (the body names no one).
RECORDED_AS = f"{ACTOR} (operator)"
POLL_S = 0.25
OUTAGE_AT = 0.4  # share of the requests placed when the ERP goes down
OUTAGE_S = 3.0  # and for how long at least
STEP_WAIT_S = 10.0  # the longest the operator waits for a fault to show before moving on
SETTLED = frozenset({"completed", "cancelled"})
CONNECTOR = "connector_failure"
T = TypeVar("T")
REPLENISH_AT = WAREHOUSES[0][0]  # the main DC takes the emergency receipts


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every order's status and open exceptions, read in one go."""

    statuses: dict[str, str]
    waiting: dict[str, list[tuple[str, str]]]  # order id -> open (exception id, type)

    @property
    def by_status(self) -> Counter[str]:
        return Counter(self.statuses.values())

    def open_exceptions(self) -> Iterator[tuple[str, str]]:
        for found in self.waiting.values():
            yield from found

    def open_of(self, kind: str) -> int:
        return sum(t == kind for _, t in self.open_exceptions())

    def settled(self, acted: set[str]) -> int:
        """Orders done, cancelled, or on hold waiting for a decision nobody has taken yet on purpose.

        An exception the operator acted on, or a connector failure (the operator retries every one),
        still counts as moving: its order is about to resume.
        """
        return sum(self._settled(order_id, status, acted) for order_id, status in self.statuses.items())

    def _settled(self, order_id: str, status: str, acted: set[str]) -> bool:
        if status in SETTLED:
            return True
        found = self.waiting.get(order_id, [])
        return status == "on_hold" and bool(found) and not any(e in acted or t == CONNECTOR for e, t in found)


def read_snapshot(container: Container) -> Snapshot:
    with container.engine.connect().execution_options(**{READONLY: True}) as c:
        statuses = {o: s for o, s in c.execute(select(orders.c.id, orders.c.status))}
        waiting: dict[str, list[tuple[str, str]]] = {}
        x = order_exceptions.c
        for order_id, exception_id, kind in c.execute(
            select(x.order_id, x.id, x.type).where(x.status == "open").order_by(x.id)
        ):
            waiting.setdefault(order_id, []).append((exception_id, kind))
    return Snapshot(statuses, waiting)


# --------------------------------------------------------------------------- the operator


@dataclass(slots=True)
class OperatorLog:
    """What the operator did (the store has the outcome; this is the intent, and what was refused)."""

    erp_outage_s: float = 0.0
    retried: int = 0
    restocked: int = 0
    cancelled_before_release: int = 0
    cancelled_after_release: int = 0
    cancelled_from_queue: int = 0
    refused: int = 0  # a resolve or cancel the hub turned down (already shipped, not waiting yet); tried again
    held_before_release: int = 0  # connector failures seen at the sales-order step (before release)
    returns_requested: int = 0
    returns_settled: int = 0


RETURN_KINDS = ("refund", "store_credit", "exchange")
RETURN_REASONS = ("damaged", "size_or_fit", "no_longer_needed")


class Operator:
    """Breaks the simulated ERP and WMS at set points and works the exception queue through the API."""

    def __init__(self, hub: DemoHub, container: Container, orders: int, progress: Progress) -> None:
        self._http = hub.client(timeout=120)
        # A person works one screen, but a busy queue is worked by a team: a few decisions at once.
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="demo-operator")
        self._wms, self._erp = hub.simulated
        self._container = container
        self._progress = progress
        self._task: TaskID | None = None
        self._started = time.monotonic()
        # A few of each, scaled to the run: enough to see in the summary, not enough to drown it.
        self._cancel_each = max(2, orders // 150)
        self._acted: set[str] = set()  # exceptions decided on, open until their workflow gets to them
        self._touched: set[str] = set()  # orders decided on: no customer cancels those as well
        self._lock = threading.Lock()
        self._outage_started: float | None = None
        self._phase = ""
        self.log = OperatorLog()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C must not wait for calls in flight
        self._http.close()

    # -- during placement

    def placed(self, done: int, total: int) -> None:
        """Called by the clients as requests are answered: the ERP goes down part-way through."""
        if self._erp is None or done < total * OUTAGE_AT or self._outage_started is not None:
            return
        with self._lock:
            if self._outage_started is None:
                self._fault(self._erp, {"operation": "*", "down": True})
                self._outage_started = time.monotonic()
                self._say("[red]ERP down[/] (simulated outage): its calls now fail with 503")

    # -- after placement

    def run(self, deadline: float) -> tuple[bool, int]:
        """Mend what broke and wait until every order has settled; whether they did, and how many did not."""
        self._task = self._progress.add_task("Orders settled", total=None, status="")
        # Shipments are held from here, before the outage's holds are retried: those orders are then
        # sure to wait at their warehouse after release, however slowly this machine runs them.
        self._hold_shipments()
        self._end_outage()
        self._work_queue()
        self._cancel_released()
        self._phase = "settling"
        snapshot = self._wait(lambda s: s.settled(self._acted) == len(s.statuses), deadline, sweep=True)
        unsettled = len(snapshot.statuses) - snapshot.settled(self._acted)
        self._returns(deadline)
        return unsettled == 0, unsettled

    # -- after the sale

    def _returns(self, deadline: float) -> None:
        """Three customers send a unit back: for a refund, for store credit, and for the same item again."""
        self._phase = "returns"
        completed = self._http.get("/v1/orders", params={"status": "completed", "channel": "web", "limit": 3}).json()
        asked = []
        for n, (order, settlement) in enumerate(zip(completed["items"], RETURN_KINDS, strict=False)):
            ret = self._ask_return(order["id"], n, settlement)
            if ret is not None:
                asked.append(ret)
        self.log.returns_requested = len(asked)
        while time.monotonic() < deadline and asked:
            returns = [self._http.get(f"/v1/returns/{r}").json() for r in asked]
            self.log.returns_settled = sum(1 for r in returns if r["status"] == "settled")
            replacements = [r["exchange_order_id"] for r in returns if r["exchange_order_id"]]
            shipped = all(self._http.get(f"/v1/orders/{o}").json()["status"] == "completed" for o in replacements)
            if self.log.returns_settled == len(asked) and shipped:
                break
            time.sleep(0.5)

    def _ask_return(self, order_id: str, n: int, settlement: str) -> str | None:
        line = {"line_no": 1, "quantity": 1, "reason": RETURN_REASONS[n % len(RETURN_REASONS)]}
        body = {
            "external_id": f"DEMO-RMA-{n + 1}",
            "lines": [line],
            "settlement": settlement,
            "exchange_policy": "at_once",
        }
        answer = self._http.post(f"/v1/orders/{order_id}/returns", json=body)
        if answer.status_code not in (200, 201):
            return None
        return_id = str(answer.json()["id"])
        where = self._http.get(f"/v1/orders/{order_id}").json()["reservations"][0]["location_id"]
        outcome = "refurbish" if settlement == "store_credit" else "restock"
        receipt = {"location_id": where, "lines": [{"line_no": 1, "units": [outcome]}]}
        self._http.post(f"/v1/returns/{return_id}/receipt", json=receipt)
        return return_id

    def _end_outage(self) -> None:
        if self._erp is None or self._outage_started is None:
            return
        self._phase = "ERP down"
        started = self._outage_started

        def long_enough(snapshot: Snapshot) -> bool:
            # A few seconds of outage, and (on a busy machine retries run late) enough orders held by it
            # for some to be cancelled and the rest retried.
            return snapshot.open_of(CONNECTOR) >= 2 * self._cancel_each and time.monotonic() > started + OUTAGE_S

        snapshot = self._wait(long_enough, started + 3 * STEP_WAIT_S)
        self._fault(self._erp, {"operation": "*", "down": False})
        self.log.erp_outage_s = time.monotonic() - self._outage_started
        held = snapshot.open_of(CONNECTOR)
        self._say(f"[green]ERP back[/] after {self.log.erp_outage_s:.1f} s; {held} order(s) on hold for it so far")

    def _work_queue(self) -> None:
        """Decide on everything waiting at once, as a team would: the outage's connector failures
        (see _sweep), every other unknown-SKU hold cancelled, every other stock hold given a receipt
        and a retry. The rest stay on hold for whoever opens /docs next."""
        unknown, short = self._open("unknown_sku")[::2], self._open("insufficient_stock")[::2]
        dropped = self._submit(lambda e: self._resolve(e, "cancel", "SKU retired; customer refunded"), unknown)
        restocked = self._submit(lambda e: self._restock(e) and self._resolve(e, "retry", "stock received"), short)
        self._sweep()
        self.log.cancelled_from_queue += _accepted(dropped)
        self.log.restocked += _accepted(restocked)
        self._say(
            f"{ACTOR}: cancelled {self.log.cancelled_from_queue} unknown-SKU hold(s) from the queue; received "
            f"stock for and retried {self.log.restocked} stock hold(s)"
        )

    def _sweep(self) -> None:
        """Retry every open connector failure; the first few at the sales-order step are cancelled
        instead (the customer gave up during the outage), before anything was released."""
        failures = [e for e in self._open(CONNECTOR) if e["id"] not in self._acted]
        at_sales_order = [e for e in failures if e["step"] == "sales_order"]
        self.log.held_before_release += len(at_sales_order)
        # At most half of them, so that retries are always seen too (one is enough once a retry was).
        half = max(len(failures) // 2, 1 if self.log.retried else 0)
        budget = min(self._cancel_each - self.log.cancelled_before_release, half)
        early = at_sales_order[: max(budget, 0)]
        reason = "customer cancelled during the ERP outage"
        cancelled = _accepted(self._submit(lambda e: self._cancel(e["order_id"], reason), early))
        rest = [e for e in failures if e not in early]
        retried = _accepted(self._submit(lambda e: self._resolve(e, "retry", "ERP is back"), rest))
        self.log.cancelled_before_release += cancelled
        self.log.retried += retried
        if cancelled:
            self._say(f"{ACTOR}: cancelled {cancelled} order(s) held by the outage, before release")
        if retried:
            self._say(f"{ACTOR}: retried {retried} connector failure(s)")

    def _hold_shipments(self) -> None:
        if self._wms is None:
            return
        self._fault(self._wms, {"auto_ship": False}, path="/_config")
        self._say("[yellow]WMS holding shipments[/]: released orders wait at their warehouse")

    def _cancel_released(self) -> None:
        """Once a few orders wait at their warehouse (shipments are held since ``run`` began), cancel
        those and ship again. Short on purpose: everything released meanwhile ships at once."""
        if self._wms is None:
            return
        self._phase = "WMS holding shipments"
        waiting: list[str] = []

        def enough(snapshot: Snapshot) -> bool:
            # The WMS's records are the whole day's releases: only ask once the store shows some released. Asked
            # from the first one on, so that if fewer than ``cancel_each`` come in time, those few are cancelled.
            if snapshot.by_status["released"] == 0:
                return False
            waiting[:] = [order_id for order_id in self._waiting_at_wms() if order_id not in self._touched]
            return len(waiting) >= self._cancel_each

        self._wait(enough, time.monotonic() + 3 * STEP_WAIT_S)  # on a busy machine releases come slowly
        reason = "customer cancelled after release"
        done = _accepted(self._submit(lambda order_id: self._cancel(order_id, reason), waiting[: self._cancel_each]))
        self.log.cancelled_after_release += done
        self._fault(self._wms, {"auto_ship": True}, path="/_config")
        self._say(f"{ACTOR}: cancelled {done} released order(s) at the WMS; [green]WMS shipping again[/]")

    def _waiting_at_wms(self) -> list[str]:
        """Orders whose every release is still open at the WMS: the ones a cancellation can still stop.
        (The store may show an order released whose goods just left: its shipment is on its way in.)"""
        assert self._wms is not None
        open_: dict[str, bool] = {}
        for release in checked(httpx.get(f"{self._wms}/_records", timeout=30)).json()["releases"]:
            order_id = release["order_id"]
            open_[order_id] = open_.get(order_id, True) and release["status"] == "released"
        return [order_id for order_id, still_open in open_.items() if still_open]

    # -- API calls

    def _submit(self, act: Callable[[T], bool], items: list[T]) -> list[Future[bool]]:
        return [self._pool.submit(act, item) for item in items]

    def _open(self, kind: str) -> list[dict[str, Any]]:
        """Open exceptions of a type, oldest first, through the paged API."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"type": kind, "limit": 500}
        while True:
            page = checked(self._http.get("/v1/exceptions", params=params)).json()
            found += page["items"]
            if page["next_after"] is None:
                return found[::-1]
            params["after"] = page["next_after"]

    def _resolve(self, exception: dict[str, Any], action: str, note: str) -> bool:
        body = {"action": action, "note": note}
        accepted = self._post(f"/v1/exceptions/{exception['id']}/resolve", body)
        with self._lock:
            self._touched.add(exception["order_id"])
            if accepted:
                self._acted.add(exception["id"])
        return accepted

    def _cancel(self, order_id: str, reason: str) -> bool:
        with self._lock:
            self._touched.add(order_id)
        return self._post(f"/v1/orders/{order_id}/cancel", {"reason": reason})

    def _post(self, path: str, body: dict[str, Any]) -> bool:
        """Whether the hub accepted; a refusal (409: already shipped, not waiting for a decision yet)
        or a timeout is counted and left for the next sweep, as a person would try again later."""
        try:
            response = self._http.post(path, json=body)
        except httpx.TimeoutException:
            response = None
        if response is None or response.status_code == 409:
            with self._lock:
                self.log.refused += 1
            return False
        checked(response)
        return True

    def _restock(self, exception: dict[str, Any]) -> bool:
        entries = [
            {
                "sku": s["sku"],
                "location_id": REPLENISH_AT,
                "quantity": s["requested"],
                "reason": "emergency replenishment",
                "reference": f"PO-{exception['order_id']}",
            }
            for s in exception["details"].get("shortages", [])
        ]
        if entries:
            checked(self._http.post("/v1/inventory/receipts", json={"entries": entries}))
        return bool(entries)

    def _fault(self, base_url: str, body: dict[str, Any], *, path: str = "/_faults") -> None:
        checked(httpx.post(f"{base_url}{path}", json=body, timeout=30))

    # -- watching

    def _wait(self, done: Callable[[Snapshot], bool], until: float, *, sweep: bool = False) -> Snapshot:
        """Poll the store, keeping the progress line current, until ``done`` or the time is up.

        With ``sweep``, connector failures that open meanwhile (an order that was mid-retry when the
        ERP came back, or one not yet waiting for a decision at the last sweep) are retried as they come.
        """
        while True:
            snapshot = read_snapshot(self._container)
            self._show(snapshot)
            if done(snapshot) or time.monotonic() > until:
                return snapshot
            if sweep and any(t == CONNECTOR and e not in self._acted for e, t in snapshot.open_exceptions()):
                self._sweep()
            time.sleep(POLL_S)

    def _show(self, snapshot: Snapshot) -> None:
        if self._task is None:
            return
        counts = " · ".join(f"{status} {n}" for status, n in snapshot.by_status.most_common(4))
        self._progress.update(
            self._task,
            total=len(snapshot.statuses),
            completed=snapshot.settled(self._acted),
            status=f"[dim]{self._phase}:[/] {counts}",
        )

    def _say(self, text: str) -> None:
        self._progress.console.print(f"  [dim]{time.monotonic() - self._started:5.1f} s[/]  {text}")


def _accepted(decisions: list[Future[bool]]) -> int:
    return sum(decision.result() for decision in decisions)
