"""The marketplace part of ``overture demo``, driven over the hub's HTTP API once the main loop is done.

Eight sellers are registered and approved (``POST /v1/sellers``, ``/status``), each gets a seller key
(``POST /v1/keys``, role ``seller``) and puts offers on SKUs the demo's warehouses do not hold (an
order mixing them with the catalogue's would be held), some SKUs with two sellers. A default
commission rule and a payout policy without a hold (so today's sales are paid today) are set. Thirty
orders follow, a third spanning two sellers and a quarter paid by card; each seller then answers
through its own routes (``/v1/seller/orders/{id}/accept|refuse``, refusing a line now and then, which
goes to the other seller of its SKU or is refunded) and ships with a UPS tracking number. Once the
orders are done, ``POST /v1/marketplace/payouts`` pays the sellers, and a table says what each had.

``run_marketplace(hub, console)`` takes about 10 s on a running demo hub; call it once the main loop's
figures are read, since they (and checks made on the store afterwards) count the main loop's orders,
keys and invoices alone.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from rich import box
from rich.console import Console
from rich.table import Table

from overture.demo.loop import DemoHub, checked

SELLERS = (
    ("mkt-acme", "Acme Kitchenware", "10001"),
    ("mkt-bolt", "Bolt Hardware", "60601"),
    ("mkt-cosy", "Cosy Home", "94103"),
    ("mkt-dune", "Dune Outdoor", "85004"),
    ("mkt-echo", "Echo Audio", "98101"),
    ("mkt-fern", "Fern Garden", "30303"),
    ("mkt-gala", "Gala Toys", "02108"),
    ("mkt-hive", "Hive Crafts", "80202"),
)
GOODS = ("kettle", "lamp", "tent", "speaker", "planter", "puzzle", "mug", "blanket", "drill", "easel")
SKUS, ORDERS, SHARED_EVERY, CARD_EVERY, SPAN_EVERY = 60, 30, 5, 4, 3
REFUSE_RATE = 0.12
TIMEOUT_S = 20.0
DONE = frozenset({"completed", "cancelled"})
ACTOR_NOTE = "demo seller"


@dataclass(frozen=True, slots=True)
class SellerFigures:
    seller_id: str
    name: str
    sub_orders: int
    shipped: int
    refused: int  # lines refused by the seller
    balance: str  # after the payout
    paid_out: str


@dataclass(frozen=True, slots=True)
class MarketplaceSummary:
    sellers: list[SellerFigures]
    orders: int
    spanning: int
    by_card: int
    by_status: dict[str, int]
    payouts: int
    seconds: float


def run_marketplace(hub: DemoHub, console: Console, *, seed: int = 18) -> MarketplaceSummary:
    """Run the marketplace part against the running hub, print its table, and return its figures."""
    started, rng = time.perf_counter(), random.Random(seed)
    working = console.status("Marketplace: sellers, offers, orders, answers and shipments over the API...")
    with working, hub.client(timeout=60, admin=True) as admin, ExitStack() as stack:
        keys = _sellers(admin, hub)
        sellers = {s: stack.enter_context(_seller_client(hub, s, key)) for s, key in keys.items()}
        offered = _offers(sellers, rng)
        _terms(admin)
        orders, spanning, by_card = _orders(admin, offered, rng)
        by_status = _work(admin, sellers, orders, rng, deadline=time.monotonic() + TIMEOUT_S)
        payouts = checked(admin.post("/v1/marketplace/payouts")).json()["payouts"]
        figures = [_figures(s, sellers[s], payouts) for s in sellers]
    summary = MarketplaceSummary(
        figures, len(orders), spanning, by_card, by_status, len(payouts), time.perf_counter() - started
    )
    print_marketplace(summary, console)
    return summary


def _sellers(admin: httpx.Client, hub: DemoHub) -> dict[str, str | None]:
    """Register and approve each seller; its seller key (None when auth is off)."""
    keys: dict[str, str | None] = {}
    for seller_id, name, postal_code in SELLERS:
        body = {"id": seller_id, "name": name, "postal_code": postal_code, "profile": {"bank_account_ref": seller_id}}
        checked(admin.post("/v1/sellers", json=body))
        for status in ("onboarding", "ready_for_review", "approved"):
            checked(admin.post(f"/v1/sellers/{seller_id}/status", json={"status": status, "note": ACTOR_NOTE}))
        key = None
        if hub.keys.admin is not None:
            made = admin.post("/v1/keys", json={"role": "seller", "channel": seller_id, "name": seller_id})
            key = str(checked(made).json()["key"])
        keys[seller_id] = key
    return keys


def _seller_client(hub: DemoHub, seller_id: str, key: str | None) -> httpx.Client:
    # With auth off no key says who the seller is: the seller routes take it from X-Seller-Id.
    headers = {"Authorization": f"Bearer {key}"} if key else {"X-Seller-Id": seller_id}
    return httpx.Client(base_url=hub.url, timeout=60, headers=headers)


def _offers(sellers: dict[str, httpx.Client], rng: random.Random) -> dict[str, list[str]]:
    """Each SKU to one seller, every SHARED_EVERY-th to a second one too: {sku: its sellers}."""
    ids = list(sellers)
    offered: dict[str, list[str]] = {}
    rows: dict[str, list[dict[str, str]]] = {s: [] for s in ids}
    for n in range(SKUS):
        sku, good = f"MKT-{n:03d}", GOODS[n % len(GOODS)]
        owners = [ids[n % len(ids)]] + ([ids[(n + 3) % len(ids)]] if n % SHARED_EVERY == 0 else [])
        price = Decimal(rng.randrange(800, 9000)) / 100
        for extra, seller_id in enumerate(owners):
            rows[seller_id].append(_row(sku, f"{good.title()} no. {n}", price + extra, lead=2 + extra))
        offered[sku] = owners
    for seller_id, seller_rows in rows.items():
        checked(sellers[seller_id].post("/v1/seller/offers", json={"offers": seller_rows}))
    return offered


def _row(sku: str, title: str, price: Decimal, *, lead: int) -> dict[str, str]:
    return {
        "sku": sku,
        "title": title,
        "price": str(price),
        "shipping_price": "4.95",
        "quantity": "500",
        "lead_time_days": str(lead),
    }


def _terms(admin: httpx.Client) -> None:
    """12 % commission (20 % tax on it) on every line, and payouts with no hold, so today's sales pay out."""
    rule = {"scope": "default", "currency": "USD", "percent": "12", "fee_tax_percent": "20"}
    checked(admin.post("/v1/marketplace/commission-rules", json=rule))
    settings = checked(admin.get("/v1/marketplace/settings")).json()
    settings["payout"] = {"hold_days": 0, "minimum_minor": 2500}
    checked(admin.put("/v1/marketplace/settings", json=settings))


def _orders(admin: httpx.Client, offered: dict[str, list[str]], rng: random.Random) -> tuple[list[str], int, int]:
    """Place the orders; (their ids, how many span two sellers, how many are paid by card)."""
    alone = {s: [sku for sku, owners in offered.items() if owners == [s]] for s, *_ in SELLERS}
    ids, spanning, by_card = [], 0, 0
    for n in range(ORDERS):
        first, second = rng.sample(list(alone), 2)
        skus = [rng.choice(alone[first])]
        if n % SPAN_EVERY == 0:
            skus.append(rng.choice(alone[second]))
            spanning += 1
        elif rng.random() < 0.5:
            skus.append(rng.choice([s for s in offered if s not in skus]))  # maybe a shared SKU
        card = n % CARD_EVERY == 1
        by_card += card
        body = _payload(n, skus, card=card, rng=rng)
        ids.append(str(checked(admin.post("/v1/orders", json=body)).json()["id"]))
    return ids, spanning, by_card


def _payload(n: int, skus: list[str], *, card: bool, rng: random.Random) -> dict[str, object]:
    body: dict[str, object] = {
        "channel": "mall",  # the operator's multi-seller storefront (the main loop has a "marketplace" channel)
        "external_id": f"MKT-DEMO-{n:04d}",
        "customer": {"reference": f"MC-{n:04d}", "name": "Marketplace Buyer", "email": f"buyer{n}@example.com"},
        "ship_to": {
            "name": "Marketplace Buyer",
            "line1": f"{10 + n} Main St",
            "city": "New York",
            "region": "NY",
            "postal_code": "10001",
            "country": "US",
        },
        "currency": "USD",
        "lines": [{"sku": sku, "quantity": rng.randint(1, 3), "unit_price": "25.00"} for sku in skus],
    }
    if card:
        body["payment_method"] = "pm_card_visa"
    return body


def _work(
    admin: httpx.Client, sellers: dict[str, httpx.Client], orders: list[str], rng: random.Random, *, deadline: float
) -> dict[str, int]:
    """Each seller answers and ships what it has until every order is done (or the deadline passes)."""
    while True:
        for client in sellers.values():
            _answer(client, rng)
            _ship(client, rng)
        statuses = [str(checked(admin.get(f"/v1/orders/{o}")).json()["status"]) for o in orders]
        if all(s in DONE for s in statuses) or time.monotonic() > deadline:
            return {s: statuses.count(s) for s in sorted(set(statuses))}
        time.sleep(0.3)


def _mine(client: httpx.Client, status: str) -> Iterator[dict[str, Any]]:
    yield from checked(client.get("/v1/seller/orders", params={"status": status})).json()["orders"]


def _answer(client: httpx.Client, rng: random.Random) -> None:
    """Refuse a line now and then (out of stock), accept the rest."""
    for sub in _mine(client, "awaiting_acceptance"):
        lines = [x for x in sub["lines"] if x["status"] == "pending"]
        refused = [x["line_no"] for x in lines if rng.random() < REFUSE_RATE]
        path = f"/v1/seller/orders/{sub['id']}"
        if refused:
            checked(client.post(f"{path}/refuse", json={"lines": refused, "reason": "out of stock"}))
        if len(refused) < len(lines):
            checked(client.post(f"{path}/accept", json={}))


def _ship(client: httpx.Client, rng: random.Random) -> None:
    for sub in _mine(client, "accepted"):
        tracking = "1Z" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=16))
        checked(
            client.post(f"/v1/seller/orders/{sub['id']}/ship", json={"carrier": "ups", "tracking_number": tracking})
        )


def _figures(seller_id: str, client: httpx.Client, payouts: list[dict[str, Any]]) -> SellerFigures:
    subs = checked(client.get("/v1/seller/orders")).json()["orders"]
    lines = [x for s in subs for x in s["lines"]]
    money = checked(client.get("/v1/seller/balance")).json()
    paid = sum(Decimal(p["amount"]) for p in payouts if p["seller_id"] == seller_id)
    name = next(n for s, n, _ in SELLERS if s == seller_id)
    return SellerFigures(
        seller_id,
        name,
        len(subs),
        sum(s["status"] == "shipped" for s in subs),
        sum(x["status"] == "refused" for x in lines),
        f"{money['balance']} {money['currency']}",
        f"{paid:.2f} {money['currency']}",
    )


def print_marketplace(summary: MarketplaceSummary, console: Console) -> None:
    """The sellers' table, in the style of the demo's summary (demo/report.py)."""
    title = (
        f"Marketplace: {summary.orders} orders ({summary.spanning} across sellers, {summary.by_card} by card), "
        f"{summary.payouts} payouts, {summary.seconds:.1f} s"
    )
    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE)
    for heading in ("seller", "sub-orders", "shipped", "refused", "balance", "paid out"):
        table.add_column(heading, justify="left" if heading == "seller" else "right")
    for s in summary.sellers:
        table.add_row(f"{s.name} ({s.seller_id})", f"{s.sub_orders:,}", f"{s.shipped:,}", f"{s.refused:,}",
                      s.balance, s.paid_out)  # fmt: skip
    console.print()
    console.print(table)
    statuses = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in summary.by_status.items())
    console.print(f"Marketplace orders: {statuses}")
