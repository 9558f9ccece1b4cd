"""The partner view in Chromium: from the partners list to a partner's page, an overdue 855 found with
the overdue filter, its detail opened (parsed view beside the raw text, markup shown as text), and
each of these pages at 390 px wide without sideways scrolling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from overture.bootstrap import Container
from tests.browser.conftest import CHROMIUM, PageFactory, shot
from tests.conftest import LiveServer
from tests.ui.partner_seed import MARKUP, PartnerSeed, seed_partner

if not Path(CHROMIUM).is_file():
    pytest.skip("browser tests skipped: Debian's chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: playwright is not installed")

pytestmark = pytest.mark.slow

# What sticks out, for the failure message: the outermost elements wider than the window (as test_console.py).
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
  .slice(0, 6).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className?.baseVal ?? e.className}`)"""


@pytest.fixture
def seeded(console_container: Container, console: LiveServer) -> PartnerSeed:
    return seed_partner(console_container)


def _too_wide(page: Any) -> list[Any] | None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return [*width, page.evaluate(WIDEST)] if width[0] > width[1] else None


def test_an_overdue_document_is_found_and_opened(seeded: PartnerSeed, console: LiveServer, page: Any) -> None:
    page.goto(console.url + "/settings/partners")
    page.get_by_test_id("partner-documents").click()
    sync_api.expect(page.get_by_test_id("overdue-count")).to_have_text("1")
    page.get_by_test_id("filter-overdue").click()
    rows = page.get_by_test_id("sent-row")
    sync_api.expect(rows).to_have_count(1)
    sync_api.expect(rows.first.get_by_test_id("ack-state")).to_have_text("overdue")
    rows.first.get_by_test_id("sent-open").click()
    sync_api.expect(page.get_by_test_id("parsed-view")).to_contain_text("855 0001")
    sync_api.expect(page.get_by_test_id("raw-body")).to_contain_text("ST*855*0001~")
    shot(page, "partner-document")


def test_the_partner_pages_fit_390_px(seeded: PartnerSeed, console: LiveServer, new_page: PageFactory) -> None:
    page = new_page(width=390, height=844)
    paths = ["/partners/ACME", "/partners/ACME?overdue=1", f"/partners/ACME/sent/{seeded.overdue}"]
    paths.append(f"/partners/ACME/received/{seeded.po_message}")
    too_wide = {}
    for path in paths:
        page.goto(console.url + path)
        found = _too_wide(page)
        if found:
            too_wide[path] = found
    sync_api.expect(page.get_by_test_id("raw-body")).to_contain_text(MARKUP)  # shown as text, not markup
    shot(page, "narrow-partner-file")
    page.goto(console.url + "/partners/ACME")
    shot(page, "narrow-partner")
    assert too_wide == {}, too_wide
