"""Availability published to channels: change capture, coalescing, retries, and the acceptance run.

The store is real (SQLite, and PostgreSQL when configured); the storefront is the Shopify simulator
over HTTP; the trading partner hears through 846s kept in ``outbound_documents``. What each channel
should hold is worked out here from a plain Python model of the positions, not by the code under test.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
import pytest

from overture.bootstrap import Container
from overture.channels.x12.partner_documents import X12PartnerDocuments
from overture.connectors.http import ConnectorConfig
from overture.connectors.shopify_inventory import ShopifyInventoryConnector, ShopifyInventoryTarget
from overture.domain.availability import ChannelRule, ChannelRules
from overture.domain.ids import new_id
from overture.domain.inventory import Sku
from overture.domain.money import Money
from overture.domain.orders import Order, OrderLine
from overture.domain.parties import Address, Customer
from overture.domain.partners import PartnerProfile, X12Identity
from overture.domain.routing import Allocation
from overture.services import inventory
from overture.services.availability import AvailabilityPublisher
from overture.services.ports import OrderRecord
from overture.services.retry import in_transaction
from overture.simulators.server import SimulatorServer
from overture.simulators.shopify import ShopifyLevels, create_shopify_app
from overture.store.availability import SqlAvailabilityStore
from overture.workflows.availability_publisher import partner_targets, publish_continuously
from tests.factories import add_locations

LOCATIONS = ("EWR", "ATL", "ORD", "LAX")
SKUS = [f"SKU-{n:03d}" for n in range(100)]
ITEMS = {sku: 9000 + n for n, sku in enumerate(SKUS)}  # Shopify inventory_item_id per SKU
SHOPIFY_LOCATION = 77
PARTNER_SKUS = SKUS[::3]  # the partner sells a third of the catalogue
# The storefront does not sell from LAX and keeps 2 units back; the marketplace has 10% to itself.
RULES = ChannelRules(
    (
        ChannelRule("shopify", excluded_locations=frozenset({"LAX"}), buffer_units=2),
        ChannelRule("amazon", exclusive_percent=10),
    )
)


@dataclass
class Model:
    """Positions as the test expects them: (sku, location) -> [on_hand, reserved, safety_stock]."""

    positions: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    active: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)  # order -> (sku, loc, qty)

    def at(self, sku: str, location: str) -> list[int]:
        return self.positions.setdefault((sku, location), [0, 0, 0])

    def sellable(self, sku: str, location: str) -> int:
        on_hand, reserved, safety = self.at(sku, location)
        return max(0, on_hand - reserved - safety)

    def expected(self, sku: str) -> dict[str, int]:
        network = sum(self.sellable(sku, loc) for loc in LOCATIONS)
        amazon_pool = -(-network * 10 // 100)
        shopify = max(0, sum(self.sellable(sku, loc) for loc in LOCATIONS if loc != "LAX") - amazon_pool) - 2
        return {"shopify": max(0, shopify), "partner:ACME": max(0, network - amazon_pool)}


@dataclass
class World:
    container: Container
    levels: ShopifyLevels
    shopify_url: str
    model: Model = field(default_factory=Model)
    orders: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def publisher(self) -> AvailabilityPublisher:
        connector = ShopifyInventoryConnector(
            ConnectorConfig(name="shopify", base_url=self.shopify_url, rate_per_s=5000, burst=100)
        )
        shopify = ShopifyInventoryTarget(connector, location_id=SHOPIFY_LOCATION, inventory_items=ITEMS)
        partners = partner_targets(self.container.uow, documents=X12PartnerDocuments(), clock=self.container.clock)
        store = SqlAvailabilityStore(self.container.engine)
        return AvailabilityPublisher(store, [shopify, *partners], rules=RULES, clock=self.container.clock)

    def receive(self, sku: str, location: str, quantity: int) -> None:
        entry = inventory.StockEntry(sku, location, quantity, "receipt")
        inventory.receive(self.container.uow, [entry], clock=self.container.clock)
        self.model.at(sku, location)[0] += quantity

    def reserve(self, sku: str, location: str, quantity: int) -> str:
        order_id = new_id("ord")
        at = self.container.clock()
        order = Order(
            order_id,
            "direct",
            order_id,
            Customer("C-1"),
            Address("10001", "US"),
            "USD",
            [OrderLine(1, sku, quantity, Money(Decimal("1.00"), "USD"))],
            at,
        )

        def work(uow: object) -> None:
            made = uow.inventory.reserve(order_id, [Allocation(1, sku, location, quantity)], at)  # type: ignore[attr-defined]
            uow.orders.add(OrderRecord(order, reservations=made))  # type: ignore[attr-defined]

        in_transaction(self.container.uow, work)
        self.model.at(sku, location)[1] += quantity
        self.model.active[order_id] = [(sku, location, quantity)]
        return order_id

    def settle(self, order_id: str, *, shipped: bool) -> None:
        if shipped:
            inventory.ship_order(self.container.uow, order_id, clock=self.container.clock)
        else:
            inventory.release_order(self.container.uow, order_id, reason="cancelled", clock=self.container.clock)
        for sku, location, quantity in self.model.active.pop(order_id):
            position = self.model.at(sku, location)
            position[1] -= quantity
            if shipped:
                position[0] -= quantity

    def set_safety_stock(self, sku: str, location: str, quantity: int) -> None:
        inventory.set_safety_stock(self.container.uow, sku, location, quantity, clock=self.container.clock)
        self.model.at(sku, location)[2] = quantity

    def shopify_figures(self) -> dict[str, int]:
        by_item = {item: sku for sku, item in ITEMS.items()}
        return {by_item[item]: units for (item, _), units in self.levels.levels.items()}

    def partner_figures(self) -> dict[str, int]:
        """The last figure per SKU over every 846 the partner was sent, in the order they were made."""
        with self.container.uow(readonly=True) as uow:
            listed = uow.documents.listing("ACME", kind="846")
            bodies = [(row["reference"], uow.documents.body("ACME", row["id"]) or "") for row in listed]
        last: dict[str, int] = {}
        for _, body in sorted(bodies, key=lambda item: int(item[0].split("-")[1])):
            last.update(_parse_846(body))
        return last


def _parse_846(body: str) -> dict[str, int]:
    figures: dict[str, int] = {}
    sku = ""
    for segment in body.split("~"):
        elements = segment.strip().split("*")
        if elements[0] == "LIN":
            sku = elements[elements.index("VN") + 1]
        elif elements[0] == "QTY" and elements[1] == "33":
            figures[sku] = int(elements[2])
    return figures


@pytest.fixture
def world(container: Container) -> Iterator[World]:
    add_locations(container, list(LOCATIONS))
    inventory.upsert_skus(container.uow, [Sku(sku) for sku in SKUS], clock=container.clock)
    partner = PartnerProfile(
        "ACME", "Acme Stores", x12=X12Identity("ZZ", "ACME"), sku_xref={f"A{sku}": sku for sku in PARTNER_SKUS}
    )
    in_transaction(container.uow, lambda uow: uow.partners.put(partner, container.clock()))
    levels = ShopifyLevels()
    with SimulatorServer(create_shopify_app(levels)) as server:
        yield World(container, levels, server.url)


def _pending(world: World) -> int:
    return SqlAvailabilityStore(world.container.engine).pending()


def assert_channels_hold_the_truth(world: World, skus: list[str]) -> None:
    shopify, partner = world.shopify_figures(), world.partner_figures()
    for sku in skus:
        expected = world.model.expected(sku)
        assert shopify.get(sku, 0) == expected["shopify"], sku
        if sku in PARTNER_SKUS:
            assert partner.get(sku, 0) == expected["partner:ACME"], sku
        else:
            assert sku not in partner


def _random_step(world: World, rng: random.Random) -> None:
    sku, location = rng.choice(SKUS), rng.choice(LOCATIONS)
    roll = rng.random()
    if roll < 0.35 and world.model.sellable(sku, location) > 0:
        world.reserve(sku, location, rng.randint(1, min(5, world.model.sellable(sku, location))))
    elif roll < 0.55 and world.model.active:
        world.settle(rng.choice(list(world.model.active)), shipped=False)
    elif roll < 0.65 and world.model.active:
        world.settle(rng.choice(list(world.model.active)), shipped=True)
    elif roll < 0.68:
        world.set_safety_stock(sku, location, rng.randint(0, 4))
    else:
        world.receive(sku, location, rng.randint(1, 10))


def test_after_10000_random_changes_every_channel_holds_the_true_availability(world: World) -> None:
    rng = random.Random(5)
    # The full 10,000 on SQLite; PostgreSQL runs the same scenario shorter, to keep the suite short.
    steps = 10_000 if world.container.engine.dialect.name == "sqlite" else 2_500

    async def scenario() -> None:
        publisher = world.publisher()
        for step in range(steps):
            _random_step(world, rng)
            if step % 700 == 0:  # some passes mid-way, so figures are also re-sent over older ones
                await publisher.publish_once()
        await publisher.run_until_idle()
        await publisher.targets[0].connector.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())
    assert _pending(world) == 0
    assert_channels_hold_the_truth(world, SKUS)


PASS_S = 0.05  # the publisher's interval during the burst


def test_a_burst_of_1000_changes_to_one_sku_sends_few_updates_and_the_last_is_right(world: World) -> None:
    sku = SKUS[0]  # sold by the storefront and the partner
    for location in LOCATIONS:
        world.receive(sku, location, 2000)

    async def scenario() -> None:
        publisher = world.publisher()
        await publisher.run_until_idle()
        sets_before = len(world.levels.history)
        stop = asyncio.Event()
        loop = asyncio.create_task(publish_continuously(publisher, interval_s=PASS_S, stop=stop))
        started = time.monotonic()
        for n in range(1000):  # reservations and receipts, alternating locations
            if n % 3 == 2:
                await asyncio.to_thread(world.receive, sku, LOCATIONS[n % 4], 1)
            else:
                await asyncio.to_thread(world.reserve, sku, LOCATIONS[n % 4], 1)
        await asyncio.sleep(0.2)
        stop.set()
        await loop
        passes = (time.monotonic() - started) / PASS_S + 2  # how many passes the burst allowed, at most
        await publisher.run_until_idle()
        sent = len(world.levels.history) - sets_before
        # Each pass sends at most one figure for the SKU, however many changes it coalesced; how
        # many passes fit depends on how fast this store commits, so the bound follows the clock.
        assert 1 <= sent <= passes, (sent, passes)
        assert sent <= 250, f"{sent} updates for 1,000 changes is not coalescing"
        await publisher.targets[0].connector.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())
    assert _pending(world) == 0
    assert_channels_hold_the_truth(world, [sku])


def test_a_failing_channel_keeps_the_sku_flagged_and_gets_the_figure_on_retry(world: World) -> None:
    sku = SKUS[3]  # sold by both channels
    world.receive(sku, "EWR", 40)
    httpx.post(f"{world.shopify_url}/_faults", json={"operation": "inventory_levels_set", "down": True})

    async def scenario() -> None:
        publisher = world.publisher()
        for _ in range(2):  # the storefront is down: twice it fails, and the SKU stays flagged
            report = await publisher.publish_once()
            assert report.failed == {sku}
            assert world.shopify_figures() == {}
            assert _pending(world) == 1
        # The partner took its figure on the first pass and is not sent it again on the retries.
        assert len(_documents(world)) == 1
        httpx.delete(f"{world.shopify_url}/_faults")
        await publisher.run_until_idle()
        assert len(_documents(world)) == 1
        await publisher.targets[0].connector.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())
    assert _pending(world) == 0
    assert world.shopify_figures() == {sku: 40 - 4 - 2}  # less amazon's 10% (rounded up), less the 2-unit buffer
    assert_channels_hold_the_truth(world, [sku])


def test_an_unchanged_figure_is_not_sent_again(world: World) -> None:
    sku = SKUS[3]
    world.receive(sku, "EWR", 40)

    async def scenario() -> None:
        publisher = world.publisher()
        await publisher.run_until_idle()
        sets, documents = len(world.levels.history), len(_documents(world))
        # Safety stock set to what it already is: the SKU is flagged, but no figure moved.
        world.set_safety_stock(sku, "EWR", 0)
        assert _pending(world) == 1
        await publisher.run_until_idle()
        assert (len(world.levels.history), len(_documents(world))) == (sets, documents)
        await publisher.targets[0].connector.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())
    assert _pending(world) == 0


def test_every_kind_of_stock_change_flags_its_sku_and_a_rolled_back_one_does_not(world: World) -> None:
    store = SqlAvailabilityStore(world.container.engine)
    changes = [
        lambda: world.receive(SKUS[1], "EWR", 10),
        lambda: world.reserve(SKUS[1], "EWR", 2),
        lambda: world.settle(next(iter(world.model.active)), shipped=False),
        lambda: world.settle(world.reserve(SKUS[1], "EWR", 1), shipped=True),
        lambda: inventory.adjust(
            world.container.uow,
            [inventory.StockEntry(SKUS[1], "EWR", -1, "count")],
            clock=world.container.clock,
        ),
        lambda: world.set_safety_stock(SKUS[1], "EWR", 3),
    ]
    for change in changes:
        store.settle({}, store.snapshot(1000, []).versions, world.container.clock())
        change()
        assert list(store.snapshot(1000, []).versions) == [SKUS[1]]
    store.settle({}, store.snapshot(1000, []).versions, world.container.clock())
    with world.container.uow() as uow:
        uow.inventory.set_safety_stock(SKUS[2], "EWR", 1, world.container.clock())  # never committed
    assert store.snapshot(1000, []).versions == {}


def _documents(world: World) -> list[dict[str, object]]:
    with world.container.uow(readonly=True) as uow:
        return uow.documents.listing("ACME", kind="846")
