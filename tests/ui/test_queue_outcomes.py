"""Every outcome of a queue action visible (issue 15, item 3), over the real app on both stores: refusals
as readable fragments (never JSON, never a class name), the stale-form message, what an accepted decision
led to, bulk wording and menu, and paging by (created_at, id)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.access import Role
from overture.services.access import create_key
from overture.services.ports.order_workflow import Resolution
from overture.store.tables import order_exceptions, orders
from overture.ui.routes.queue_filter import bulk_choices, common_actions
from tests.ui.seed import _exception, seed
from tests.web.signin import sign_in

HTMX = {"HX-Request": "true"}
ROW_IDS = re.compile(r'data-testid="exception-row" data-exception-id="([^"]+)"')


@pytest.fixture
def seeded(container: Container, client: TestClient) -> TestClient:
    seed(container)
    return client


def _readable(text: str) -> None:
    assert "Error:" not in text and "Exception" not in text and '{"error"' not in text, text


def test_a_refused_edit_answers_409_with_its_reason_in_words(container: Container, seeded: TestClient) -> None:
    seeded.app.state.order_workflows = HeldAgain(container)  # type: ignore[attr-defined]  # never reached
    form = {"kind": "edit", "sku-1": "NOPE", "note": "typo"}
    refused = seeded.post("/exceptions/exc_sku/amend", data=form, headers=HTMX)
    assert refused.status_code == 409
    assert 'data-exception-id="exc_sku" class="error"' in refused.text
    assert "lines[0].sku" in refused.text and "NOPE" in refused.text
    _readable(refused.text)


def test_json_errors_come_to_htmx_as_a_readable_line_and_stay_json_for_the_api(seeded: TestClient) -> None:
    body = {"action": "explode"}
    invalid = seeded.post("/v1/orders", json=body, headers=HTMX)  # a field-by-field 422
    assert invalid.status_code == 422 and invalid.headers["content-type"].startswith("text/html")
    assert 'data-testid="error-message"' in invalid.text and re.search(r"\w+: \w", invalid.text)
    _readable(invalid.text)
    retry = {"action": "retry", "actor": "ops"}  # a decision the order's workflow must take
    offline = seeded.post("/v1/exceptions/exc_sku/resolve", json=retry, headers=HTMX)
    assert offline.status_code == 503 and "the workflow engine is not connected" in offline.text
    _readable(offline.text)
    as_api = seeded.post("/v1/exceptions/exc_sku/resolve", json=retry)
    assert as_api.status_code == 503 and as_api.json()["error"]["code"] == "engine_unavailable"


@pytest.mark.auth
def test_a_stale_form_token_says_reload_the_page_in_the_row(container: Container, client: TestClient) -> None:
    seed(container)
    token = create_key(container.uow, container.clock, role=Role.OPERATOR, name="ann").token
    assert sign_in(client, token, "/exceptions", follow_redirects=False).status_code == 303
    stale = {**HTMX, "X-CSRF-Token": "from-an-old-page"}
    answer = client.post("/exceptions/exc_sku/resolve", data={"action": "retry"}, headers=stale)
    assert answer.status_code == 403 and answer.headers["content-type"].startswith("text/html")
    assert "this form is stale" in answer.text and "reload the page" in answer.text
    _readable(answer.text)


def test_bulk_errors_in_plain_words_and_a_disallowed_action_refused_with_its_reason(seeded: TestClient) -> None:
    answer = seeded.post("/exceptions/bulk", data={"action": "reroute", "ids": ["exc_sla", "exc_sku"]}, headers=HTMX)
    assert answer.status_code == 207
    assert "exc_sla: reroute is not one of the actions this sla breach exception allows (retry, override, cancel)" in (
        answer.text
    )
    _readable(answer.text)
    bad = seeded.post("/exceptions/bulk", data={"action": "explode", "ids": ["exc_sla"]}, headers=HTMX)
    assert "exc_sla: action: Input should be" in bad.text
    _readable(bad.text)


def test_the_bulk_menu_offers_what_the_rows_allow_and_a_selection_only_what_all_allow(seeded: TestClient) -> None:
    rows: list[dict[str, Any]] = [{"actions": ["retry", "cancel", "edit"]}, {"actions": ["retry", "override"]}]
    assert common_actions(rows) == ["retry"]
    assert bulk_choices(rows) == ["retry", "override", "cancel"]
    assert common_actions([]) == []
    html = seeded.get("/exceptions").text
    menu = re.search(r'data-testid="bulk-action">(.*?)</select>', html, flags=re.S)
    assert menu is not None
    # The seeded rows allow retry, override, cancel and edit: no reroute (and edit is a row's form).
    assert re.findall(r'<option value="([^"]+)"', menu.group(1)) == ["assign", "retry", "override", "cancel"]
    assert 'data-testid="select-exc_sku" data-actions="retry cancel"' in html
    assert '<script src="/static/console.js" defer></script>' in html
    assert "responseHandling" in html and seeded.get("/static/console.js").status_code == 200


class HeldAgain:
    """The order's workflow as a test double: takes the decision, closes the exception and holds the
    order again with a new insufficient-stock exception, as a retry with stock still short does."""

    def __init__(self, container: Container) -> None:
        self.container = container

    async def resolve(self, order_id: str, resolution: Resolution) -> None:
        at = self.container.clock()
        x = order_exceptions
        with self.container.engine.begin() as c:
            c.execute(
                x.update()
                .where(x.c.id == resolution.exception_id)
                .values(status="resolved", resolution=resolution.action, resolved_by=resolution.actor, resolved_at=at)
            )
            c.execute(orders.update().where(orders.c.id == order_id).values(status="on_hold"))
            _exception(c, "exc_again", order_id, "insufficient_stock", "reserve", at, ["retry", "reroute", "cancel"])
            c.execute(x.update().where(x.c.id == "exc_again").values(reason="insufficient stock at all 3 locations"))


def test_a_retry_that_ends_in_a_new_hold_says_held_again_and_shows_the_new_row(
    container: Container, seeded: TestClient
) -> None:
    seeded.app.state.order_workflows = HeldAgain(container)  # type: ignore[attr-defined]
    answer = seeded.post("/exceptions/exc_conn/resolve", data={"action": "retry"}, headers=HTMX)
    assert answer.status_code == 200, answer.text
    assert answer.headers["HX-Retarget"] == "#exc-exc_conn" and answer.headers["HX-Reswap"] == "outerHTML"
    said = re.search(r'data-testid="outcome-exc_conn"[^>]*>([^<]*)<', answer.text)
    assert said is not None
    assert said.group(1) == "retry by dashboard: held again: insufficient stock at all 3 locations"
    assert "retry done" not in answer.text
    assert ROW_IDS.findall(answer.text) == ["exc_again"]  # the new hold, with its own actions
    assert 'data-testid="action-retry-exc_again"' in answer.text


def _many_open(container: Container, count: int) -> list[str]:
    """``count`` open exceptions on one order, a minute apart (two share each minute: the id breaks the tie)."""
    now = container.clock()
    ids = [f"exc_{n:04d}" for n in range(count)]
    with container.engine.begin() as c:
        c.execute(sa.update(orders).where(orders.c.id == "ord_3").values(status="on_hold"))
        for n, exception_id in enumerate(ids):
            created = now - timedelta(days=3) + timedelta(minutes=n // 2)
            _exception(c, exception_id, "ord_3", "connector_failure", "invoice", created, ["retry", "cancel"])
    return ids


def test_the_queue_pages_by_cursor_with_the_count_of_all_that_match(container: Container, seeded: TestClient) -> None:
    ids = _many_open(container, 120)  # older than the seeded three: they come first
    first = seeded.get("/exceptions")
    assert ROW_IDS.findall(first.text) == ids[:50]
    assert "Showing 1–50 of 123 open exceptions matching" in first.text
    assert 'data-testid="queue-previous"' not in first.text
    following = re.search(r'data-testid="queue-next"', first.text)
    assert following is not None
    next_url = re.search(r'<a href="([^"]+)"[^>]*data-testid="queue-next"', first.text)
    assert next_url is not None
    second = seeded.get(next_url.group(1).replace("&amp;", "&"), headers=HTMX)
    assert ROW_IDS.findall(second.text) == ids[50:100] and "Showing 51–100 of 123" in second.text
    back = re.search(r'<a href="([^"]+)"[^>]*data-testid="queue-previous"', second.text)
    assert back is not None
    again = seeded.get(back.group(1).replace("&amp;", "&"), headers=HTMX)
    assert ROW_IDS.findall(again.text) == ids[:50]
    filtered = seeded.get("/exceptions", params={"type": "connector_failure", "after": f"{_cursor(container)}"})
    assert "of 121 open exceptions matching" in filtered.text  # the 120 and exc_conn
    bad = seeded.get("/exceptions", params={"after": "yesterday"})
    assert bad.status_code == 422 and "after: &#39;yesterday&#39; is not a place in the queue" in bad.text


def _cursor(container: Container) -> str:
    with container.engine.connect() as c:
        row = c.execute(sa.select(order_exceptions.c.created_at).where(order_exceptions.c.id == "exc_0009")).one()
    return f"{row.created_at.isoformat()}|exc_0009"


def test_younger_than_filters_the_age_band(seeded: TestClient) -> None:
    fragment = seeded.get("/exceptions", params={"younger_than_hours": "4", "older_than_hours": "1"}, headers=HTMX)
    assert ROW_IDS.findall(fragment.text) == ["exc_conn"]
