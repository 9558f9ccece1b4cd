"""The seller pages in Chromium, over the sellers of tests/ui/seller_seed.py: /sellers with a score
chart per seller, a seller's page reached from its link, the acceptances page with the time left to
each deadline, and all three at 390 px wide without sideways scrolling."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from overture.bootstrap import Container
from tests.browser.conftest import CHROMIUM, PageFactory, shot
from tests.browser.test_console import WIDEST
from tests.conftest import LiveServer
from tests.ui.seller_seed import Sellers, api_poster, seed_sellers

if not Path(CHROMIUM).is_file():
    pytest.skip("browser tests skipped: Debian's chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: playwright is not installed")

pytestmark = pytest.mark.slow


@pytest.fixture
def seeded(console_container: Container, console: LiveServer) -> Sellers:
    with httpx.Client(base_url=console.url) as client:
        return seed_sellers(console_container, api_poster(client))


def test_from_the_list_to_a_seller_and_the_acceptances(seeded: Sellers, console: LiveServer, page: Any) -> None:
    page.goto(console.url + "/")
    page.get_by_test_id("nav-sellers").click()
    page.wait_for_url(re.compile(r"/sellers$"))
    sync_api.expect(page.get_by_test_id("seller-card")).to_have_count(3)
    sync_api.expect(page.locator("#chart-score-acme circle")).to_have_count(8)
    acme = page.locator('[data-testid="seller-card"][data-seller="acme"]')
    sync_api.expect(acme.locator('[data-rate="late_shipment_rate"]')).to_have_attribute("data-level", "limit")
    shot(page, "sellers")
    acme.get_by_test_id("seller-link").click()
    page.wait_for_url(re.compile(r"/sellers/acme$"))
    sync_api.expect(page.get_by_test_id("seller-id")).to_have_text("acme")
    sync_api.expect(page.get_by_test_id("entry-row")).to_have_count(50)
    sync_api.expect(page.get_by_test_id("statement-pdf")).to_be_visible()
    page.get_by_test_id("entries-older").click()
    sync_api.expect(page.get_by_test_id("entry-row")).to_have_count(12)
    shot(page, "seller")
    page.goto(console.url + "/sellers")
    page.get_by_test_id("acceptances-link").click()
    page.wait_for_url(re.compile(r"/sellers/acceptances$"))
    rows = page.get_by_test_id("acceptance-row")
    sync_api.expect(rows).to_have_count(3)
    sync_api.expect(rows.nth(0).get_by_test_id("time-left")).to_have_text(re.compile(r"^past due by [78]\.\d h$"))
    sync_api.expect(rows.nth(1).get_by_test_id("time-left")).to_have_text(re.compile(r"^1[12]\.\d h left$"))
    sync_api.expect(rows.nth(2).get_by_test_id("alert-left")).to_have_text(re.compile(r"^in 2[23]\.\d h$"))
    shot(page, "seller-acceptances")


def test_the_seller_pages_fit_390_px(seeded: Sellers, console: LiveServer, new_page: PageFactory) -> None:
    page = new_page(width=390, height=844)
    too_wide = {}
    for path in ("/sellers", "/sellers/acme", "/sellers/bolt", "/sellers/acceptances"):
        page.goto(console.url + path)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            too_wide[path] = [*width, page.evaluate(WIDEST)]
        shot(page, "narrow" + path.replace("/", "-"))
    assert too_wide == {}, too_wide
