"""With auth required, a resolve or a cancel through the real Temporal hub records the key's name
and role as the actor, on the exception and on the order's timeline: from the dashboard (session
cookie + CSRF token) and from the API (a bearer key; an ``actor`` in the body is only a note)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from overture.domain.access import Role
from overture.store.tables import order_exceptions
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.web.signin import sign_in
from tests.workflows.hub import Hub
from tests.workflows.keyed_hub import keyed_hub, new_key
from tests.workflows.temporal_fixtures import TemporalEnv


@pytest.fixture
def hub(temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path) -> Iterator[Hub]:
    container = bootstrap(Settings(home=tmp_path, database_url=database_url, auth="required"), migrate=False)
    try:
        with keyed_hub(temporal_env, task_queue, container) as running:
            yield running
    finally:
        container.close()


def _resolutions(container: Container) -> dict[str, tuple[str, str | None, str | None]]:
    e = order_exceptions.c
    with container.engine.connect() as c:
        rows = c.execute(sa.select(e.order_id, e.status, e.resolution, e.resolved_by)).all()
    return {r.order_id: (r.status, r.resolution, r.resolved_by) for r in rows}


def _signed_in_browser(hub: Hub, token: str) -> tuple[httpx.Client, str]:
    """An HTTP client holding a dashboard session, and the CSRF token the pages send with htmx."""
    browser = httpx.Client(base_url=hub.api.url, timeout=30, headers={"Accept": "text/html"}, follow_redirects=True)
    signed = sign_in(browser, token, "/exceptions")
    assert signed.status_code == 200 and "Exception queue" in signed.text, signed.text
    found = re.search(r"<body hx-headers='([^']*)'", signed.text)
    assert found is not None
    csrf: str = json.loads(html.unescape(found.group(1)))["X-CSRF-Token"]
    return browser, csrf


def test_resolving_records_the_signed_in_key_on_the_exception_and_the_timeline(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 100)
    hub.sim_faults(hub.erp, operation="*", down=True)
    from_page, from_api = (hub.post_order(order_payload(("A", 1)))["id"] for _ in range(2))
    hub.wait_for(lambda: hub.statuses() == {"on_hold": 2}, what="2 orders on hold")
    hub.sim_faults(hub.erp, operation="*", down=False)
    with hub.container.engine.connect() as c:
        exception_of = dict(c.execute(sa.select(order_exceptions.c.order_id, order_exceptions.c.id)).all())

    browser, csrf = _signed_in_browser(hub, new_key(hub.container, Role.OPERATOR, "olga"))
    try:
        clicked = browser.post(
            f"/exceptions/{exception_of[from_page]}/resolve",
            data={"action": "retry"},
            headers={"HX-Request": "true", "X-CSRF-Token": csrf},
        )
        assert clicked.status_code == 200 and "retry by olga (operator): " in clicked.text, clicked.text
        omar = new_key(hub.container, Role.OPERATOR, "omar")
        posted = httpx.post(
            f"{hub.api.url}/v1/exceptions/{exception_of[from_api]}/resolve",
            json={"action": "retry", "actor": "somebody-else"},
            headers={"Authorization": f"Bearer {omar}"},
            timeout=30,
        )
        assert posted.status_code == 200, posted.text

        hub.wait_for(lambda: hub.statuses() == {"completed": 2}, what="both completed after the retries")
        assert _resolutions(hub.container) == {
            from_page: ("resolved", "retry", "olga (operator)"),
            from_api: ("resolved", "retry", "omar (operator)"),
        }
        for order_id, actor in ((from_page, "olga (operator)"), (from_api, "omar (operator)")):
            page = browser.get(f"/orders/{order_id}").text
            assert re.findall(r'data-testid="order-status">([^<]+)<', page) == ["completed"]
            assert f"retry by {html.escape(actor)}" in page
            assert "by somebody-else" not in page
            api_view = hub.order(order_id)
            assert [x["resolved_by"] for x in api_view["exceptions"]] == [actor]
    finally:
        browser.close()


def test_a_cancel_records_the_signed_in_key_and_keeps_the_claimed_name_as_a_note(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 10)
    hub.sim_faults(hub.erp, operation="*", down=True)  # held before release, so the cancel gives stock back
    order_id = hub.post_order(order_payload(("A", 2)))["id"]
    hub.wait_for(lambda: hub.statuses() == {"on_hold": 1}, what="the order on hold")

    operator = new_key(hub.container, Role.OPERATOR, "otto")
    answer = httpx.post(
        f"{hub.api.url}/v1/orders/{order_id}/cancel",
        json={"reason": "customer changed their mind", "actor": "the-ceo"},
        headers={"Authorization": f"Bearer {operator}"},
        timeout=60,
    )

    assert answer.status_code == 200 and answer.json()["outcome"] == "cancelled", answer.text
    notes = [t["note"] for t in hub.order(order_id)["timeline"] if t.get("status") == "cancelled"]
    assert any(n.startswith("cancelled by otto (operator): customer changed their mind") for n in notes), notes
    assert any("(the request named 'the-ceo')" in n for n in notes), notes
    assert not any("by the-ceo" in n for n in notes), notes
