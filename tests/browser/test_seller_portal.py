"""A seller's own page in Chromium, on a hub that requires keys: signing in with a seller key lands on
/seller, a line is accepted and then shipped through the page's forms, and the page fits 390 px wide
without sideways scrolling (tests/browser/test_console.py's width check runs with auth off, where
nobody is a seller, so the check is here)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from overture.domain.access import Role
from overture.services.access import create_key
from overture.services.marketplace import split
from tests.browser.conftest import CHROMIUM, PageFactory, shot
from tests.browser.test_console import WIDEST
from tests.conftest import LiveServer
from tests.factories import order_payload
from tests.services.marketplace.builders import approved_seller, offer

if not Path(CHROMIUM).is_file():
    pytest.skip("browser tests skipped: Debian's chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: playwright is not installed")

pytestmark = pytest.mark.slow


@pytest.fixture
def hub(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, Container]]:
    container = bootstrap(Settings(home=tmp_path, database_url=sqlite_url, auth="required"), migrate=False)
    server = LiveServer(container)
    server.start()
    yield server, container
    server.stop()
    container.close()


def _seeded(server: LiveServer, c: Container) -> tuple[str, str]:
    """acme sells KETTLE; one order of two kettles split into acme's sub-order. (sub-order id, acme's key)"""
    approved_seller(c, "acme", name="Acme Goods")
    offer(c, "acme", "KETTLE", "20.00", 5, title="Kettle")
    operator = create_key(c.uow, c.clock, role=Role.OPERATOR, name="olga").token
    payload = order_payload(("KETTLE", 2))
    payload["lines"][0]["unit_price"] = "20.00"
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {operator}"}) as client:
        order_id = str(client.post("/v1/orders", json=payload).raise_for_status().json()["id"])
    (sub,) = split.split_order(c.uow, order_id, clock=c.clock)
    return sub, create_key(c.uow, c.clock, role=Role.SELLER, name="acme", channel="acme").token


def _fits(page: Any) -> dict[str, Any]:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return {} if width[0] <= width[1] else {"width": width, "widest": page.evaluate(WIDEST)}


def test_a_seller_signs_in_accepts_a_line_and_ships_it(
    hub: tuple[LiveServer, Container], new_page: PageFactory
) -> None:
    server, container = hub
    sub, key = _seeded(server, container)
    page = new_page(width=390, height=844)
    page.goto(server.url + "/seller")
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.fill("#key", key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/seller$"))
    card = page.locator(f'[data-testid="awaiting-sub-order"][data-sub-order="{sub}"]')
    sync_api.expect(card.get_by_test_id("time-left")).to_have_text(re.compile(r" d left$"))
    sync_api.expect(page.get_by_test_id("nav-overview")).to_have_count(0)
    assert _fits(page) == {}
    shot(page, "seller-portal-narrow")
    card.get_by_test_id(f"accept-{sub}").click()
    sync_api.expect(page.get_by_test_id("portal-happened")).to_have_text(f"{sub}: line(s) 1 accepted")
    shipping = page.locator(f'[data-testid="to-ship-sub-order"][data-sub-order="{sub}"]')
    shipping.get_by_test_id(f"carrier-{sub}").fill("ups")
    shipping.get_by_test_id(f"tracking-{sub}").fill("1Z999AA10123456784")
    shipping.get_by_test_id(f"ship-{sub}").click()
    sync_api.expect(page.get_by_test_id("portal-happened")).to_have_text(
        f"{sub}: shipped by ups, tracking 1Z999AA10123456784"
    )
    sync_api.expect(page.locator(f'[data-testid="shipped-row"][data-sub-order="{sub}"]')).to_have_count(1)
    sync_api.expect(page.get_by_test_id("no-awaiting")).to_be_visible()
    assert _fits(page) == {}
    shot(page, "seller-portal-shipped")
