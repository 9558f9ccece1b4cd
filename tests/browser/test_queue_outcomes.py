"""The queue says what really happened, in Chromium against a whole hub (Temporal, worker, simulators):
an edit the hub refuses (409) shows its reason in the row, and a retry while stock is still short is
shown as "held again: ..." with the new hold's row (issue 15, item 3). One hub for both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from overture.bootstrap import bootstrap
from overture.config import Settings
from overture.domain.access import Role
from tests.browser.conftest import CHROMIUM, shot
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub
from tests.workflows.keyed_hub import keyed_hub, new_key
from tests.workflows.temporal_fixtures import TemporalEnv

if not Path(CHROMIUM).is_file():
    pytest.skip("browser tests skipped: Debian's chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: playwright is not installed")

pytestmark = pytest.mark.slow
SHORT = "QUEUE-SHORT"


@pytest.fixture
def hub(temporal_env: TemporalEnv, task_queue: str, tmp_path: Path) -> Iterator[Hub]:
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'hub.db'}", auth="required")
    container = bootstrap(settings)
    try:
        with keyed_hub(temporal_env, task_queue, container) as running:
            yield running
    finally:
        container.close()


def _open(hub: Hub, order_id: str, kind: str) -> str:
    def found() -> dict[str, Any] | None:
        items = hub.http.get("/v1/exceptions", params={"type": kind, "status": "open"}).json()["items"]
        return next((e for e in items if e["order_id"] == order_id), None)

    hub.wait_for(lambda: found() is not None, what=f"an open {kind} exception on {order_id}")
    exception = found()
    assert exception is not None
    return str(exception["id"])


def test_a_refused_edit_and_a_retry_held_again_are_shown_in_their_rows(hub: Hub, page: Any) -> None:
    add_locations(hub.container, ["EWR", "ATL", "ORD"])
    add_skus(hub.container, SHORT)
    stock(hub.container, SHORT, "EWR", 1)
    unknown_order = str(hub.post_order(order_payload(("NOT-OURS", 1)))["id"])
    short_order = str(hub.post_order(order_payload((SHORT, 5)))["id"])
    unknown = _open(hub, unknown_order, "unknown_sku")
    short = _open(hub, short_order, "insufficient_stock")

    url = hub.api.url
    page.goto(f"{url}/")
    page.fill("#key", new_key(hub.container, Role.OPERATOR, "olga"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")

    # (1) An edit to another unknown SKU: the hub answers 409, and the row says why.
    page.goto(f"{url}/exceptions?type=unknown_sku")
    page.get_by_test_id(f"action-edit-{unknown}").click()
    page.get_by_test_id("edit-sku-1").fill("STILL-NOT-OURS")
    page.get_by_test_id(f"form-note-{unknown}").fill("customer meant another item")
    page.get_by_test_id(f"form-submit-{unknown}").click()
    refused = page.get_by_test_id(f"outcome-{unknown}")
    sync_api.expect(refused).to_contain_text("STILL-NOT-OURS")
    sync_api.expect(refused.locator(".error")).to_have_count(1)
    assert "Error:" not in refused.inner_text() and "{" not in refused.inner_text()
    shot(page, "queue-refused-edit")

    # (2) A retry while stock is still short: held again, the new hold's row in place of the old.
    page.goto(f"{url}/exceptions?type=insufficient_stock")
    page.get_by_test_id(f"action-retry-{short}").click()
    said = page.get_by_test_id(f"outcome-{short}")
    sync_api.expect(said).to_contain_text(re.compile(r"retry by olga \(operator\): held again: "), timeout=20_000)
    new_rows = page.locator(f'[data-testid=exception-row][data-type="insufficient_stock"]:not(#exc-{short})')
    sync_api.expect(new_rows).to_have_count(1)
    assert "retry done" not in page.content()
    shot(page, "queue-held-again")
