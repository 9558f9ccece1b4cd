"""The rules pages over the real app and store (SQLite and PostgreSQL): saving versions, the difference
between two, who changed what (before and after), the refusals named, and a dry run on recent orders."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.access import Role
from overture.services import changes
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.keyed_hub import new_key

LIMIT_10 = '{"invalid_quantity": {"enabled": true, "action": "hold", "max_quantity": 10}}'
LIMIT_100 = '{"invalid_quantity": {"enabled": true, "action": "hold", "max_quantity": 100}}'


def _save(client: TestClient, scope: str, document: str, note: str = "") -> str:
    answer = client.post(f"/settings/rules/{scope}", data={"document": document, "note": note}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def test_saving_makes_a_new_version_and_shows_what_changed(client: TestClient, container: Container) -> None:
    assert _save(client, "channel:web", LIMIT_10, "cap lines at 10") == "/settings/rules/channel:web?version=1"
    target = _save(client, "channel:web", LIMIT_100, "wholesale buyers order more")
    assert target == "/settings/rules/channel:web?version=2&compare=1"
    page = html.unescape(client.get(target).text)
    assert re.search(r'data-testid="rule-version">2<', page)
    diff = re.search(r'data-testid="rule-diff">(.*?)</pre>', page, flags=re.S)
    assert diff is not None
    assert re.search(r'<span class="removed">- +"max_quantity": 10</span>', diff.group(1))
    assert re.search(r'<span class="added">\+ +"max_quantity": 100</span>', diff.group(1))
    assert "version 2 (was 1): wholesale buyers order more" in page
    record = changes.recent(container.uow, subject="rules:channel:web")[0]
    assert record.detail["before"]["rules"]["invalid_quantity"]["max_quantity"] == 10
    assert record.detail["rules"]["invalid_quantity"]["max_quantity"] == 100
    listing = client.get("/settings/rules").text
    assert 'data-scope="channel:web"' in listing


def test_a_bad_document_is_refused_naming_the_field_and_kept_as_typed(client: TestClient) -> None:
    typed = '{"invalid_quantity": {"max_quantity": -3}}'
    answer = client.post("/settings/rules/default", data={"document": typed})
    assert answer.status_code == 422
    page = html.unescape(answer.text)
    assert "rules.invalid_quantity.max_quantity: Input should be greater than 0" in page
    assert typed in page  # nothing lost: the textarea keeps what was typed
    not_json = client.post("/settings/rules/default", data={"document": "{max_quantity: 3"})
    assert not_json.status_code == 422 and "rules: not JSON" in not_json.text
    assert client.get("/settings/rules/nowhere:x").status_code == 404


def test_a_dry_run_judges_the_newest_orders_both_ways_and_stores_nothing(
    client: TestClient, container: Container
) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 500)
    big = [client.post("/v1/orders", json=order_payload(("A", 40))).json()["id"] for _ in range(2)]
    client.post("/v1/orders", json=order_payload(("A", 2)))
    client.post("/v1/orders", json=order_payload(("A", 60), channel="shop"))  # another channel: not in scope
    answer = client.post("/settings/rules/channel:web/dry-run", data={"document": LIMIT_10})
    assert answer.status_code == 200
    page = html.unescape(answer.text)
    assert re.search(r'data-testid="dry-run-summary"><strong>2</strong> of the 3 newest orders in channel:web', page)
    assert sorted(re.findall(r'href="/orders/([^"]+)"', page)) == sorted(big)
    assert "invalid_quantity: hold" in page and "nothing (passes)" in page
    assert changes.recent(container.uow, subject="rules:channel:web") == []


@pytest.mark.auth
def test_saving_rules_needs_the_admin_role(client: TestClient, container: Container) -> None:
    operator = new_key(container, Role.OPERATOR, "olga")
    answer = client.post(
        "/settings/rules/default", data={"document": LIMIT_10}, headers={"Authorization": f"Bearer {operator}"}
    )
    assert answer.status_code == 403 and "admin" in answer.text
