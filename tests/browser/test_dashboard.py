"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright's sync API.

A whole hub (Temporal dev server, API over HTTP, WMS/ERP simulators, the order worker) with auth
required as shipped, holding the demo's sample data posted through its API. The test signs in by
typing an operator key, reads the overview's charts, works an exception of an order it placed while
the ERP was down (retry, from the queue), watches that order's timeline reach ``completed``, finds
it by its PO number, and visits inventory and savings. Every page visited is saved as a full-page
screenshot under test-artifacts/.

Chromium comes from ``make browser`` (apt, as root); without it this module is skipped, saying so.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from overture.demo.data import WAREHOUSES as DEMO_WAREHOUSES
from overture.demo.data import build
from overture.domain.access import Role
from overture.store.tables import order_exceptions
from tests.browser.conftest import ARTIFACTS, CHROMIUM, shot
from tests.factories import add_skus, order_payload, stock
from tests.workflows.hub import Hub
from tests.workflows.keyed_hub import keyed_hub, new_key
from tests.workflows.temporal_fixtures import TemporalEnv

if not Path(CHROMIUM).is_file():
    pytest.skip(
        "browser tests skipped: Debian's chromium is not installed (`make browser` installs it, as root)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests skipped: the playwright package is not installed (make install)"
)

pytestmark = pytest.mark.slow

PO_NUMBER = "PO-BROWSER-4711"
SKU = "BROWSER-WIDGET"
SCARCE = "BROWSER-SCARCE"
WAREHOUSE = "EWR1"  # one of the demo's warehouses
ORDERS, SKUS = 40, 120


def _seed_like_the_demo(hub: Hub) -> None:
    """The demo's own sample data (demo/data.py build: warehouses, catalogue, stock, orders with unknown
    SKUs, scarce stock, malformed bodies and replays) posted to this hub's API with its keys, then
    every order settled: the figures the overview draws.

    Posted rather than produced by running ``overture demo`` first: the same data, in seconds, into a
    hub whose worker, simulators and keys this test owns."""
    data = build(SKUS, ORDERS, seed=11)
    for location_id, name, postal_code, priority in DEMO_WAREHOUSES:
        body = {"id": location_id, "name": name, "postal_code": postal_code, "priority": priority}
        assert hub.http.post("/v1/locations", json=body).status_code == 201
    skus = [{"sku": i.sku, "description": i.description, "weight_kg": i.weight_kg} for i in data.catalogue]
    assert hub.http.post("/v1/skus", json=skus).is_success
    assert hub.http.post("/v1/inventory/receipts", json={"entries": data.receipts}).is_success
    answers = Counter[int]()
    for request in data.requests:
        headers = {"Idempotency-Key": request.idempotency_key, "Content-Type": "application/json"}
        answers[hub.http.post("/v1/orders", content=request.body, headers=headers).status_code] += 1
    assert answers[201] > ORDERS // 2 and set(answers) <= {201, 400, 422}, answers
    settled = {"completed", "cancelled", "on_hold"}
    hub.wait_for(lambda: set(hub.statuses()) <= settled, timeout_s=60, what="the demo's orders to settle")


@pytest.fixture
def hub(temporal_env: TemporalEnv, task_queue: str, tmp_path: Path) -> Iterator[Hub]:
    # A store as `overture demo` makes it: SQLite under its home, auth required as shipped.
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'demo.db'}", auth="required")
    container = bootstrap(settings)
    try:
        with keyed_hub(temporal_env, task_queue, container) as running:
            _seed_like_the_demo(running)
            yield running
    finally:
        container.close()


def _held_order(hub: Hub) -> tuple[str, str]:
    """An order carrying a PO number, placed while the ERP is down: on hold with a connector failure."""
    add_skus(hub.container, SKU)
    stock(hub.container, SKU, WAREHOUSE, 20)
    hub.sim_faults(hub.erp, operation="*", down=True)
    reference = {"system": "customer", "kind": "po_number", "value": PO_NUMBER}
    order_id = str(hub.post_order(order_payload((SKU, 2), references=[reference]))["id"])
    hub.wait_for(lambda: hub.order(order_id)["status"] == "on_hold", what=f"{order_id} on hold")
    hub.sim_faults(hub.erp, operation="*", down=False)
    with hub.container.engine.connect() as c:
        exception_id = c.execute(
            sa.select(order_exceptions.c.id).where(
                order_exceptions.c.order_id == order_id, order_exceptions.c.type == "connector_failure"
            )
        ).scalar_one()
    return order_id, str(exception_id)


def _scarce_backlog(hub: Hub) -> None:
    """Three orders of a SKU nobody stocks (held, no supply expected), then 3 units arrive at two
    warehouses: what the backlog page plans."""
    add_skus(hub.container, SCARCE)
    for quantity, zip_code in ((2, "90021"), (1, "10001"), (2, "60607")):
        hub.post_order(order_payload((SCARCE, quantity), zip_code=zip_code))
    hub.wait_for(
        lambda: sum(e["type"] == "insufficient_stock" for e in hub.http.get("/v1/exceptions").json()["items"]) >= 3,
        what="three orders held for stock",
    )
    stock(hub.container, SCARCE, WAREHOUSE, 2)
    stock(hub.container, SCARCE, "DFW1", 1)


def _bar_values(page: sync_api.Page, chart_id: str) -> list[float]:
    values = page.locator(f"#{chart_id} rect.bar").evaluate_all("bars => bars.map(b => b.dataset.value)")
    return [float(v) for v in values]


def _sign_in(page: sync_api.Page, url: str, container: Container) -> None:
    page.goto(f"{url}/")
    assert page.url == f"{url}/signin?next=%2F"  # a signed-out browser is sent to sign in
    shot(page, "signin")
    page.fill("#key", new_key(container, Role.OPERATOR, "olga"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    sync_api.expect(page.get_by_test_id("session")).to_contain_text("Signed in as olga (operator)")


def _overview(page: sync_api.Page) -> None:
    for chart in ("chart-orders-by-status", "chart-exceptions-by-age"):
        values = _bar_values(page, chart)
        assert values and max(values) > 0, f"{chart}: {values}"
    heights = page.locator("#chart-orders-by-status rect.bar").evaluate_all(
        "bars => bars.map(b => b.getBoundingClientRect().height)"
    )
    assert max(heights) > 10, heights  # drawn, not just present
    points = page.locator("#chart-orders-per-hour circle.dot").count()
    assert points > 0
    titles = page.locator("#chart-orders-per-hour circle.dot title").all_text_contents()
    assert any(float(t.rsplit(":", 1)[1]) > 0 for t in titles), titles
    shot(page, "overview")


def _retry_from_the_queue(page: sync_api.Page, exception_id: str) -> None:
    page.get_by_test_id("nav-exceptions").click()
    page.wait_for_url(re.compile(r"/exceptions"))
    page.get_by_test_id("filter-type").select_option("connector_failure")
    # htmx swaps the filtered rows in and pushes the filter to the address bar.
    page.wait_for_url(re.compile(r"type=connector_failure"))
    others = page.locator('[data-testid=exception-row]:not([data-type="connector_failure"])')
    sync_api.expect(others).to_have_count(0)
    row = page.locator(f"#exc-{exception_id}")
    sync_api.expect(row).to_contain_text("connector_failure")
    shot(page, "queue")
    page.get_by_test_id(f"action-retry-{exception_id}").click()
    done = re.compile(r"retry by .+: (released to|shipped|invoiced|completed)")
    sync_api.expect(page.get_by_test_id(f"outcome-{exception_id}")).to_contain_text(done)


def _wait_completed(page: sync_api.Page, url: str, order_id: str, timeout_s: float = 30) -> None:
    """Reload the order page until its current step is ``completed``, as a person would."""
    page.goto(f"{url}/orders/{order_id}")
    deadline = time.monotonic() + timeout_s
    while page.get_by_test_id("order-status").inner_text() != "completed":
        assert time.monotonic() < deadline, (
            f"order {order_id} not completed: {page.get_by_test_id('timeline').inner_text()}"
        )
        time.sleep(0.5)
        page.reload()
    timeline = page.get_by_test_id("timeline")
    sync_api.expect(timeline).to_contain_text("retry by olga")
    assert page.get_by_test_id("timeline-status").all_inner_texts()[-1] == "completed"
    shot(page, "order")


def test_sign_in_overview_retry_an_exception_to_completed_and_search_by_po(hub: Hub, page: sync_api.Page) -> None:
    started = time.monotonic()
    url = hub.api.url
    order_id, exception_id = _held_order(hub)

    _sign_in(page, url, hub.container)
    _overview(page)
    _retry_from_the_queue(page, exception_id)
    _wait_completed(page, url, order_id)

    page.get_by_test_id("search-box").fill(PO_NUMBER)
    page.get_by_test_id("search-box").press("Enter")
    page.wait_for_url(f"{url}/orders/{order_id}")
    sync_api.expect(page.get_by_test_id("references")).to_contain_text(PO_NUMBER)
    shot(page, "search-result")

    page.get_by_test_id("nav-inventory").click()
    page.get_by_test_id("sku-input").fill(SKU)
    page.get_by_test_id("sku-input").press("Enter")
    page.wait_for_url(re.compile(r"/inventory\?sku="))
    sync_api.expect(page.locator("main")).to_contain_text(WAREHOUSE)
    shot(page, "inventory")

    _scarce_backlog(hub)
    page.get_by_test_id("nav-backlog").click()
    page.wait_for_url(f"{url}/backlog")
    assert int(page.get_by_test_id("backlog-held").inner_text()) >= 3
    page.locator("input[name=time_limit_s]").fill("2")
    page.get_by_test_id("backlog-plan").click()
    sync_api.expect(page.get_by_test_id("backlog-comparison")).to_contain_text("cp-sat")
    sync_api.expect(page.get_by_test_id("backlog-apply")).to_be_visible()  # CP-SAT fills some: it offers to apply
    shot(page, "backlog")

    page.get_by_test_id("nav-savings").click()
    page.wait_for_url(f"{url}/savings")
    sync_api.expect(page.get_by_test_id("work-counts")).to_be_visible()
    shot(page, "savings")

    page.get_by_test_id("signout").click()
    page.wait_for_url(re.compile(r"/signin"))
    page.goto(f"{url}/exceptions")
    assert "/signin?next=" in page.url
    assert time.monotonic() - started < 60
    for name in ("signin", "overview", "queue", "order", "search-result", "inventory", "backlog", "savings"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000, name
