"""The returns page in Chromium, over the seeded store of tests/ui/returns_seed.py: a return approved
from the queue changes its row in place, a receipt recorded from the row's form, and the page (KPIs,
chips, filters, rows and the receipt form) at 390 px wide without sideways scrolling."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from overture.bootstrap import Container
from tests.browser.conftest import CHROMIUM, PageFactory, shot
from tests.conftest import LiveServer
from tests.ui.returns_seed import live_poster, seed

if not Path(CHROMIUM).is_file():
    pytest.skip("browser tests skipped: Debian's chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: playwright is not installed")

# The widest elements when the page scrolls sideways (as test_console.py reports them).
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 6).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`)"""


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    # Playwright's sync API keeps an event loop running in this thread: run ours in another.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def seeded(console_container: Container, console: LiveServer) -> dict[str, str]:
    return {"url": console.url, **seed(console_container, live_poster(console.url), _run)}


def test_approving_a_return_from_the_queue_changes_its_row(seeded: dict[str, str], page: Any) -> None:
    r3 = seeded["r3"]
    page.goto(f"{seeded['url']}/returns")
    row = page.locator(f"#ret-{r3}")
    sync_api.expect(row).to_have_attribute("data-status", "awaiting_review")
    page.get_by_test_id(f"approve-{r3}").click()
    sync_api.expect(row).to_have_attribute("data-status", "approved")
    sync_api.expect(row.get_by_test_id("status")).to_have_text("approved")
    sync_api.expect(page.get_by_test_id(f"outcome-{r3}")).to_contain_text("approved by")
    sync_api.expect(page.get_by_test_id(f"approve-{r3}")).to_have_count(0)
    # What may be done next is in the row: the receipt, one outcome per unit.
    page.get_by_test_id(f"receive-{r3}").click()
    page.get_by_test_id(f"receipt-form-{r3}").wait_for()
    page.get_by_test_id("unit-1-1").select_option("scrap")
    page.get_by_test_id(f"receipt-submit-{r3}").click()
    sync_api.expect(row).to_have_attribute("data-status", "received")
    sync_api.expect(page.get_by_test_id(f"outcome-{r3}")).to_contain_text("received at EWR")
    shot(page, "returns-approved-and-received")


def test_a_refused_review_says_why_in_the_row(seeded: dict[str, str], page: Any) -> None:
    r3 = seeded["r3"]
    page.goto(f"{seeded['url']}/returns")
    page.get_by_test_id(f"approve-{r3}").wait_for()
    page.request.post(f"{seeded['url']}/v1/returns/{r3}/review", data={"approve": True})  # someone else was first
    page.get_by_test_id(f"approve-{r3}").click()
    sync_api.expect(page.get_by_test_id(f"outcome-{r3}")).to_contain_text("only one awaiting review can be approved")


def test_the_returns_page_fits_390_px(seeded: dict[str, str], new_page: PageFactory) -> None:
    page = new_page(width=390, height=844)
    too_wide = {}
    for path in ("/returns", "/returns?status=all", "/returns?status=approved&days=90"):
        page.goto(seeded["url"] + path)
        if path.endswith("days=90"):
            page.get_by_test_id(f"receive-{seeded['r5']}").click()
            page.get_by_test_id(f"receipt-form-{seeded['r5']}").wait_for()
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            too_wide[path] = [*width, page.evaluate(WIDEST)]
    shot(page, "returns-narrow")
    assert too_wide == {}, too_wide
