"""The inventory ledger under random operations, on the real store, checked against a pure Python model.

Receipts, adjustments, safety stock, releases and shipments go through ``overture.services.inventory``.
Reservations go through ``capture_order`` with the REST channel's translator and raw JSON bodies (so
routing, reservation and the order record are the real code) and, to reach positions routing would not
pick, straight through ``SqlUnitOfWork`` + ``uow.inventory.reserve`` + ``uow.orders.add``. After every
step the database must agree with the model, keep ``0 <= reserved <= on_hand``, and its movement ledger
and active reservations must add up to every position.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from overture.channels.rest import translate
from overture.domain.ids import new_id
from overture.domain.inventory import InvalidMovement, Location, Reservation, Sku
from overture.domain.money import Money
from overture.domain.orders import Order, OrderLine
from overture.domain.parties import Address, Customer
from overture.domain.routing import Allocation, LineDemand, LocationStock, route_nearest
from overture.reference.zcta import ZctaGeocoder
from overture.services import inventory
from overture.services.capture import capture_order
from overture.services.clock import Ticker
from overture.services.errors import PayloadRejected, StockChanged
from overture.services.ports import InboundMessage, OrderRecord
from overture.store.engine import make_engine
from overture.store.tables import inventory_movements, inventory_positions, reservations
from overture.store.uow import SqlUnitOfWork
from tests.conftest import _empty_postgres
from tests.factories import WAREHOUSES

SKUS = ("SKU-A", "SKU-B", "SKU-C")  # x 3 locations = 9 positions
LOCATIONS = tuple(w for w in WAREHOUSES if w[0] in ("EWR", "ORD", "LAX"))
LOCATION_IDS = tuple(w[0] for w in LOCATIONS)
# New York, Chicago, Los Angeles, and a Canadian address the geocoder cannot place (routing by priority).
SHIP_TO = (("10001", "US"), ("60601", "US"), ("90012", "US"), ("M5V 2T6", "CA"))

STATE_MACHINE_SETTINGS = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # No explain phase: it traces every line of SQLAlchemy and turns a failure's report from seconds into minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)

Key = tuple[str, str]  # (sku, location_id)
EngineFactory = Callable[[], sa.Engine]


@dataclass
class Position:
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved - self.safety_stock)


@dataclass
class Model:
    positions: dict[Key, Position] = field(default_factory=dict)
    # Active reservations per order: (line_no, sku, location_id, quantity).
    active: dict[str, list[tuple[int, str, str, int]]] = field(default_factory=dict)

    def position(self, key: Key) -> Position:
        return self.positions.setdefault(key, Position())

    def stock(self) -> list[LocationStock]:
        by_location: dict[str, dict[str, int]] = {loc: {} for loc in LOCATION_IDS}
        for (sku, loc), p in self.positions.items():
            by_location[loc][sku] = p.available
        return [
            LocationStock(Location(code, name, lat, lon, postal_code=zip_code), by_location[code])
            for code, name, zip_code, lat, lon in LOCATIONS
        ]


def _order_body(external_id: str, lines: list[tuple[str, int]], ship_to: tuple[str, str]) -> bytes:
    postal_code, country = ship_to
    return json.dumps(
        {
            "channel": "web",
            "external_id": external_id,
            "customer": {"reference": "C-1", "name": "Ann Buyer"},
            "ship_to": {"postal_code": postal_code, "country": country},
            "currency": "USD",
            "lines": [{"sku": sku, "quantity": quantity, "unit_price": "9.99"} for sku, quantity in lines],
        }
    ).encode()


class LedgerMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self, fresh_engine: EngineFactory) -> None:
        super().__init__()
        self.engine = fresh_engine()
        self.clock = Ticker()
        self.geocoder = ZctaGeocoder()
        self.model = Model()
        self.external_ids = itertools.count(1)
        inventory.upsert_skus(self.uow, [Sku(s) for s in SKUS], clock=self.clock)
        for code, name, zip_code, lat, lon in LOCATIONS:
            location = Location(code, name, lat, lon, postal_code=zip_code)
            inventory.add_location(self.uow, location, clock=self.clock)

    def uow(self, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, readonly=readonly)

    def teardown(self) -> None:
        self.engine.dispose()
        if self.engine.dialect.name == "sqlite" and self.engine.url.database:
            for suffix in ("", "-wal", "-shm"):
                Path(self.engine.url.database + suffix).unlink(missing_ok=True)

    # --- reading the store -------------------------------------------------------------------

    def db_positions(self) -> dict[Key, Position]:
        with self.engine.connect() as c:
            rows = c.execute(sa.select(inventory_positions)).all()
        return {(r.sku, r.location_id): Position(r.on_hand, r.reserved, r.safety_stock) for r in rows}

    def db_reservations(self, order_id: str) -> list[tuple[int, str, str, int, str]]:
        r = reservations.c
        with self.engine.connect() as c:
            rows = c.execute(
                sa.select(r.line_no, r.sku, r.location_id, r.quantity, r.status).where(r.order_id == order_id)
            )
        return sorted(tuple(row) for row in rows)

    # --- rules -------------------------------------------------------------------------------

    @initialize(
        quantities=st.lists(st.integers(0, 12), min_size=9, max_size=9),
        safety=st.lists(st.tuples(st.sampled_from(SKUS), st.sampled_from(LOCATION_IDS), st.integers(1, 3)), max_size=3),
    )
    def opening_stock(self, quantities: list[int], safety: list[tuple[str, str, int]]) -> None:
        """Start with stock spread over the network (and some safety stock), so orders can reserve and split."""
        keys = [(sku, loc) for sku in SKUS for loc in LOCATION_IDS]
        entries = [(sku, loc, q) for (sku, loc), q in zip(keys, quantities, strict=True) if q > 0]
        if entries:
            self.receive(entries)
        for sku, loc, quantity in safety:
            self.set_safety_stock(sku, loc, quantity)

    @rule(
        entries=st.lists(
            st.tuples(st.sampled_from(SKUS), st.sampled_from(LOCATION_IDS), st.integers(1, 20)), min_size=1, max_size=3
        )
    )
    def receive(self, entries: list[tuple[str, str, int]]) -> None:
        booked = inventory.receive(
            self.uow, [inventory.StockEntry(s, loc, q, "receipt") for s, loc, q in entries], clock=self.clock
        )
        assert booked == len(entries)
        for sku, loc, quantity in entries:
            self.model.position((sku, loc)).on_hand += quantity

    @rule(
        entries=st.lists(
            st.tuples(st.sampled_from(SKUS), st.sampled_from(LOCATION_IDS), st.integers(-15, 15).filter(bool)),
            min_size=1,
            max_size=3,
        )
    )
    def adjust(self, entries: list[tuple[str, str, int]]) -> None:
        after = {key: Position(p.on_hand, p.reserved, p.safety_stock) for key, p in self.model.positions.items()}
        returned: list[tuple[int, int]] = []
        refused = False
        for sku, loc, delta in entries:
            p = after.get((sku, loc))
            if p is None and delta > 0:
                p = after[(sku, loc)] = Position()
            if p is None or p.on_hand + delta < p.reserved:
                refused = True  # on hand would drop below reserved (or below zero)
                break
            p.on_hand += delta
            returned.append((p.on_hand, p.reserved))
        request = [inventory.StockEntry(s, loc, q, "cycle count") for s, loc, q in entries]
        if refused:
            with pytest.raises(InvalidMovement):
                inventory.adjust(self.uow, request, clock=self.clock)
            return  # all or none: the invariant checks that no entry was applied
        result = inventory.adjust(self.uow, request, clock=self.clock)
        assert [(p.sku, p.location_id, p.on_hand, p.reserved) for p in result] == [
            (s, loc, *after_entry) for (s, loc, _), after_entry in zip(entries, returned, strict=True)
        ]
        self.model.positions = after

    @rule(sku=st.sampled_from(SKUS), loc=st.sampled_from(LOCATION_IDS), quantity=st.integers(0, 4))
    def set_safety_stock(self, sku: str, loc: str, quantity: int) -> None:
        inventory.set_safety_stock(self.uow, sku, loc, quantity, clock=self.clock)
        self.model.position((sku, loc)).safety_stock = quantity

    @rule(
        target=orders,
        # About one line in ten names a SKU the catalogue does not know: the order goes on hold untouched.
        lines=st.lists(
            st.tuples(st.sampled_from((*SKUS * 3, "SKU-UNKNOWN")), st.integers(1, 6)), min_size=1, max_size=3
        ),
        ship_to=st.sampled_from(SHIP_TO),
    )
    def place_order(self, lines: list[tuple[str, int]], ship_to: tuple[str, str]) -> str:
        before = self.db_positions()
        body = _order_body(f"SM-{next(self.external_ids)}", lines, ship_to)
        message = InboundMessage(channel="rest", body=body, received_at=self.clock())
        result = capture_order(
            message, translate, idempotency_key=None, uow_factory=self.uow, geocoder=self.geocoder, clock=self.clock
        )
        order_id = result.order.id
        expected = self._expected_allocations(lines, ship_to)
        if expected is None:
            assert result.order.status == "on_hold"
            assert self.db_reservations(order_id) == []
            assert self.db_positions() == before, "a refused order changed a position"
            return order_id
        assert result.order.status == "routed"
        assert self.db_reservations(order_id) == sorted((*a, "active") for a in expected)
        for _, sku, loc, quantity in expected:
            self.model.position((sku, loc)).reserved += quantity
        self.model.active[order_id] = expected
        return order_id

    def _expected_allocations(
        self, lines: list[tuple[str, int]], ship_to: tuple[str, str]
    ) -> list[tuple[int, str, str, int]] | None:
        """What the model says capture should reserve, or None when the order must go on hold untouched."""
        if any(sku not in SKUS for sku, _ in lines):
            return None
        wanted: dict[str, int] = defaultdict(int)
        for sku, quantity in lines:
            wanted[sku] += quantity
        stock = self.model.stock()
        if any(sum(s.available.get(sku, 0) for s in stock) < q for sku, q in wanted.items()):
            return None
        point = self.geocoder.locate(Address(ship_to[0], ship_to[1]))
        demand = [LineDemand(n, sku, q) for n, (sku, q) in enumerate(lines, start=1)]
        plan = route_nearest(demand, point, stock)
        return [(a.line_no, a.sku, a.location_id, a.quantity) for a in plan.allocations]

    @rule(
        target=orders,
        picks=st.lists(
            st.tuples(st.sampled_from(SKUS), st.sampled_from(LOCATION_IDS), st.integers(1, 6)), min_size=1, max_size=4
        ),
    )
    def reserve_directly(self, picks: list[tuple[str, str, int]]) -> str:
        """Reserve chosen positions through the unit of work; any position short means nothing is reserved."""
        order_id = new_id("ord")
        allocations = [Allocation(n, sku, loc, q) for n, (sku, loc, q) in enumerate(picks, start=1)]
        per_position: dict[Key, int] = defaultdict(int)
        for sku, loc, quantity in picks:
            per_position[(sku, loc)] += quantity
        fits = all(self.model.positions.get(key, Position()).available >= q for key, q in per_position.items())
        if not fits:
            before = self.db_positions()
            with self.uow() as uow, pytest.raises(StockChanged):
                uow.inventory.reserve(order_id, allocations, self.clock())
            # Leaving the unit of work uncommitted rolled back the positions reserved before the short one.
            assert self.db_positions() == before
            return order_id
        with self.uow() as uow:
            made = uow.inventory.reserve(order_id, allocations, self.clock())
            uow.orders.add(OrderRecord(self._direct_order(order_id, picks), reservations=made))
            uow.commit()
        for key, quantity in per_position.items():
            self.model.position(key).reserved += quantity
        self.model.active[order_id] = [(a.line_no, a.sku, a.location_id, a.quantity) for a in allocations]
        return order_id

    def _direct_order(self, order_id: str, picks: list[tuple[str, str, int]]) -> Order:
        lines = [OrderLine(n, sku, q, Money(Decimal("1.00"), "USD")) for n, (sku, _, q) in enumerate(picks, start=1)]
        return Order(order_id, "direct", order_id, Customer("C-1"), Address("10001", "US"), "USD", lines, self.clock())

    @rule(body=st.sampled_from([b"{", b"[]", b'{"channel": "web"}', b""]))
    def send_unparseable_order(self, body: bytes) -> None:
        before = self.db_positions()
        with pytest.raises(PayloadRejected):
            capture_order(
                InboundMessage(channel="rest", body=body, received_at=self.clock()),
                translate,
                idempotency_key=None,
                uow_factory=self.uow,
                geocoder=self.geocoder,
                clock=self.clock,
            )
        assert self.db_positions() == before

    @rule(order_id=orders)
    def release(self, order_id: str) -> None:
        settled = inventory.release_order(self.uow, order_id, reason="cancelled", clock=self.clock)
        self._settle(order_id, settled, shipped=False)

    @rule(order_id=orders)
    def ship(self, order_id: str) -> None:
        settled = inventory.ship_order(self.uow, order_id, clock=self.clock)
        self._settle(order_id, settled, shipped=True)

    def _settle(self, order_id: str, settled: list[Reservation], *, shipped: bool) -> None:
        expected = self.model.active.pop(order_id, [])  # nothing, once settled or if never reserved
        assert sorted((r.line_no, r.sku, r.location_id, r.quantity) for r in settled) == sorted(expected)
        for _, sku, loc, quantity in expected:
            p = self.model.position((sku, loc))
            p.reserved -= quantity
            if shipped:
                p.on_hand -= quantity
        statuses = {row[4] for row in self.db_reservations(order_id)}
        assert "active" not in statuses
        if expected:
            assert statuses == {"shipped" if shipped else "released"}

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def store_matches_model_and_ledger(self) -> None:
        m, r = inventory_movements.c, reservations.c
        with self.engine.connect() as c:
            positions = {
                (row.sku, row.location_id): Position(row.on_hand, row.reserved, row.safety_stock)
                for row in c.execute(sa.select(inventory_positions))
            }
            ledger = {
                (row.sku, row.location_id): (int(row.on_hand), int(row.reserved))
                for row in c.execute(
                    sa.select(
                        m.sku,
                        m.location_id,
                        sa.func.sum(m.on_hand_delta).label("on_hand"),
                        sa.func.sum(m.reserved_delta).label("reserved"),
                    ).group_by(m.sku, m.location_id)
                )
            }
            held = {
                (row.sku, row.location_id): int(row.quantity)
                for row in c.execute(
                    sa.select(r.sku, r.location_id, sa.func.sum(r.quantity).label("quantity"))
                    .where(r.status == "active")
                    .group_by(r.sku, r.location_id)
                )
            }
        assert positions == self.model.positions
        assert set(ledger) <= set(positions), "movements logged for a position that does not exist"
        assert set(held) <= set(positions), "reservations held at a position that does not exist"
        for key, p in positions.items():
            assert 0 <= p.reserved <= p.on_hand, key
            assert ledger.get(key, (0, 0)) == (p.on_hand, p.reserved), key
            assert held.get(key, 0) == p.reserved, key


def _sqlite_engines(template: Path, directory: Path) -> EngineFactory:
    counter = itertools.count()

    def fresh() -> sa.Engine:
        path = directory / f"ledger-{next(counter)}.db"
        shutil.copy(template, path)
        return make_engine(f"sqlite:///{path}", pool_size=1, max_overflow=2)

    return fresh


def _postgres_engines(url: str) -> EngineFactory:
    def fresh() -> sa.Engine:
        _empty_postgres(url)
        return make_engine(url, pool_size=1, max_overflow=2)

    return fresh


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_ledger_agrees_with_the_model_under_random_operations(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if backend == "postgres":
        # pg_url skips with the reason when OVERTURE_TEST_PG_URL is unset or the server does not answer.
        fresh = _postgres_engines(request.getfixturevalue("pg_url"))
    else:
        fresh = _sqlite_engines(request.getfixturevalue("sqlite_template"), tmp_path)
    run_state_machine_as_test(lambda: LedgerMachine(fresh), settings=STATE_MACHINE_SETTINGS)
