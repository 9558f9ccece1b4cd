"""After a chaos run: what the clients were told, checked against the store, the simulators and the API.

Figures (all must be 0 but ``accepted``)::

    accepted             orders the clients got a 2xx for (key -> order id)
    lost                 accepted, but the store has no such order (or another order for that request)
    duplicate_orders     more than one stored order for one client request (channel + external id)
    not_settled          neither completed, cancelled nor backordered (waiting for stock), and no open
                         exception saying why
    dup_wms_releases     more than one live WMS release for one order and warehouse (any keys): the
                         warehouse would pick twice
    dup_release_keys     more than one WMS release recorded under one Idempotency-Key
    dup_erp_orders       more than one ERP sales order for one order (any keys)
    dup_erp_invoices     more than one ERP invoice for one order and sales order
    dup_erp_shipments    more than one ERP shipment confirmation for one order and warehouse
    oversold_units       units released to the WMS above what was received at that warehouse, plus
                         any position reserving above its on hand or below zero
    ledger_mismatches    ``overture audit``'s disagreements (positions vs ledger vs reservations, closed
                         orders holding stock, shipped lines without a shipment), plus orders whose money
                         ledger does not charge what their lines say
    hidden_exceptions    open exceptions in the store that ``GET /v1/exceptions`` does not list
    stale_exceptions     open exceptions on an order that is over (completed or cancelled): a person would
                         be asked to act on something already done
    repeated_exceptions  more than one open exception of one type on one order
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from overture.bootstrap import bootstrap
from overture.config import Settings
from overture.services.audit import audit as books_audit
from overture.store.engine import make_engine
from overture.store.tables import inventory_positions, money_entries, order_exceptions, order_lines, orders

SETTLED = ("completed", "cancelled", "backordered")
OWED_KINDS = ("charge", "discount", "tax", "shipping", "fee", "adjustment")


@dataclass
class Figure:
    name: str
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class AuditReport:
    figures: list[Figure]
    statuses: dict[str, int] = field(default_factory=dict)  # orders by status, and open exceptions by type

    def figure(self, name: str) -> int:
        return next(f.count for f in self.figures if f.name == name)

    @property
    def ok(self) -> bool:
        return all(f.count == 0 for f in self.figures if f.name != "accepted")

    def table(self) -> str:
        rows = [f"  {'check':<20} {'count':>8}  examples"]
        for f in self.figures:
            mark = "" if f.name == "accepted" or f.count == 0 else "  <-- FAIL"
            rows.append(f"  {f.name:<20} {f.count:>8}  {'; '.join(f.examples[:3])}{mark}")
        rows.append(f"  (orders and open exceptions: {', '.join(f'{k} {n}' for k, n in self.statuses.items())})")
        return "\n".join(rows)


def _figure(name: str, found: Iterable[str]) -> Figure:
    items = list(found)
    return Figure(name, len(items), items[:5])


@dataclass(frozen=True, slots=True)
class Sources:
    store_url: str
    api_url: str
    wms_url: str
    erp_url: str
    home: Path


def run_audit(sources: Sources, accepted: dict[str, str], received: dict[tuple[str, str], int]) -> AuditReport:
    """Every figure of the module docstring, read once everything has settled."""
    engine = make_engine(sources.store_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as c:
            store_figures = _store_figures(c, accepted)
            positions = _position_figures(c)
            money = _money_mismatches(c)
            open_exceptions = set(c.execute(sa.select(order_exceptions.c.id).where(_open())).scalars())
            statuses = _statuses(c)
    finally:
        engine.dispose()
    wms = httpx.get(f"{sources.wms_url}/_records", timeout=60).json()
    erp = httpx.get(f"{sources.erp_url}/_records", timeout=60).json()
    oversold = _oversold(wms["releases"], received) + positions
    books = _books(sources)
    return AuditReport(
        [
            Figure("accepted", len(accepted)),
            *store_figures,
            *_side_effects(wms, erp),
            _figure("oversold_units", oversold),
            _figure("ledger_mismatches", books + money),
            _figure("hidden_exceptions", sorted(open_exceptions - _listed_exceptions(sources.api_url))),
        ],
        statuses,
    )


def _statuses(c: sa.Connection) -> dict[str, int]:
    by_status = {
        row[0]: row[1] for row in c.execute(sa.select(orders.c.status, sa.func.count()).group_by(orders.c.status))
    }
    x = order_exceptions.c
    query = sa.select(x.type, sa.func.count()).where(_open()).group_by(x.type)
    by_type = {f"exception:{row[0]}": row[1] for row in c.execute(query)}
    return dict(sorted(by_status.items())) | dict(sorted(by_type.items()))


def _open() -> sa.ColumnElement[bool]:
    return order_exceptions.c.status == "open"


def _store_figures(c: sa.Connection, accepted: dict[str, str]) -> list[Figure]:
    o = orders.c
    stored = {row.id: row for row in c.execute(sa.select(o.id, o.status, o.channel, o.external_id))}
    lost = [f"{key} -> {order_id}" for key, order_id in accepted.items() if order_id not in stored]
    per_request = Counter((row.channel, row.external_id) for row in stored.values())
    duplicates = [f"{channel}:{external} x{n}" for (channel, external), n in per_request.items() if n > 1]
    with_exception = set(c.execute(sa.select(order_exceptions.c.order_id).where(_open())).scalars())
    unsettled = [
        f"{row.id} {row.status}"
        for row in stored.values()
        if row.status not in SETTLED and row.id not in with_exception
    ]
    x = order_exceptions.c
    open_rows = c.execute(sa.select(x.id, x.order_id, x.type).where(_open())).all()
    over = {order_id for order_id, row in stored.items() if row.status in ("completed", "cancelled")}
    stale = [
        f"{row.id} ({row.type}) on {row.order_id} {stored[row.order_id].status}"
        for row in open_rows
        if row.order_id in over
    ]
    per_type = Counter((row.order_id, row.type) for row in open_rows)
    repeated = [f"{order_id} {kind} x{n}" for (order_id, kind), n in per_type.items() if n > 1]
    return [
        _figure("lost", lost),
        _figure("duplicate_orders", duplicates),
        _figure("not_settled", unsettled),
        _figure("stale_exceptions", stale),
        _figure("repeated_exceptions", repeated),
    ]


def _position_figures(c: sa.Connection) -> list[str]:
    p = inventory_positions.c
    bad = c.execute(
        sa.select(p.sku, p.location_id, p.on_hand, p.reserved).where(
            (p.reserved > p.on_hand) | (p.on_hand < 0) | (p.reserved < 0)
        )
    )
    return [f"{row.sku}@{row.location_id}: on hand {row.on_hand}, reserved {row.reserved}" for row in bad]


def _money_mismatches(c: sa.Connection) -> list[str]:
    """Orders whose ledger does not owe what their lines charge (a cancelled line owes nothing)."""
    lines: dict[str, Decimal] = defaultdict(Decimal)
    order_ids = list(c.execute(sa.select(orders.c.id)).scalars())
    line = order_lines.c
    for row in c.execute(sa.select(line.order_id, line.quantity, line.unit_price, line.status)):
        if row.status != "cancelled":
            lines[row.order_id] += Decimal(row.quantity) * Decimal(row.unit_price)
    e = money_entries.c
    query = sa.select(e.order_id, sa.func.sum(e.amount_minor)).where(e.kind == "charge").group_by(e.order_id)
    charged = {row[0]: row[1] for row in c.execute(query)}
    found = []
    for order_id in order_ids:
        want = int((lines.get(order_id, Decimal(0)) * 100).to_integral_value())
        got = int(charged.get(order_id) or 0)
        if want != got:
            found.append(f"{order_id}: lines charge {want}, ledger {got} (minor units)")
    return found


def _oversold(releases: list[dict[str, Any]], received: dict[tuple[str, str], int]) -> list[str]:
    released: Counter[tuple[str, str]] = Counter()
    for release in releases:
        if release["status"] != "cancelled":
            for line in release["lines"]:
                released[(line["sku"], release["location_id"])] += line["quantity"]
    found = []
    for place, units in released.items():
        over = units - received.get(place, 0)
        found += [f"{place[0]}@{place[1]}: released {units}, received {received.get(place, 0)}"] * max(0, over)
    return found


def _side_effects(wms: dict[str, Any], erp: dict[str, Any]) -> list[Figure]:
    live = [r for r in wms["releases"] if r["status"] != "cancelled"]
    return [
        _repeated("dup_wms_releases", ((r["order_id"], r["location_id"]) for r in live)),
        _repeated("dup_release_keys", ((r["idempotency_key"],) for r in wms["releases"] if r["idempotency_key"])),
        _repeated("dup_erp_orders", ((s["order_id"],) for s in erp["sales_orders"])),
        _repeated("dup_erp_invoices", ((i["order_id"], i["sales_order_id"]) for i in erp["invoices"])),
        _repeated("dup_erp_shipments", ((s["order_id"], s["location_id"]) for s in erp["shipments"])),
    ]


def _repeated(name: str, keys: Iterable[tuple[str, ...]]) -> Figure:
    counts = Counter(keys)
    extra = {key: n - 1 for key, n in counts.items() if n > 1}
    return Figure(name, sum(extra.values()), [f"{'/'.join(key)} x{n + 1}" for key, n in list(extra.items())[:5]])


def _books(sources: Sources) -> list[str]:
    container = bootstrap(Settings(home=sources.home, database_url=sources.store_url), migrate=False)
    try:
        return [str(d) for d in books_audit(container.uow)]
    finally:
        container.close()


def _listed_exceptions(api_url: str) -> set[str]:
    """Every open exception the API's queue shows, page by page."""
    found: set[str] = set()
    after: str | None = None
    with httpx.Client(base_url=api_url, timeout=60) as client:
        while True:
            params: dict[str, Any] = {"status": "open", "limit": 200, **({"after": after} if after else {})}
            response = client.get("/v1/exceptions", params=params)
            response.raise_for_status()
            page = response.json()
            found |= {str(item["id"]) for item in page["items"]}
            after = page.get("next_after")
            if not after:
                return found
