"""The configuration pages over the real app and store (SQLite and PostgreSQL): locations (edits,
refusals named, safety stock), partners and their documents, connectors' health, API keys (made once,
revoked, admin only) and the change log with before and after."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.access import Role
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services import changes
from overture.services.partners import put_partner
from overture.store import connector_health
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.keyed_hub import new_key


def _updates(container: Container, location_id: str) -> list[changes.Change]:
    return [
        c for c in changes.recent(container.uow, subject=f"location:{location_id}") if c.action == "location.updated"
    ]


EDIT = {"priority": "200", "ship_by_hours": "24", "daily_capacity": "150", "cutoff_utc": "16:30", "active": "on"}


def _row(page: str, location_id: str) -> str:
    found = re.search(rf'<tr data-location="{location_id}".*?</tr>', page, flags=re.S)
    assert found is not None, page
    return html.unescape(found.group(0))


def test_the_locations_page_lists_each_location_with_its_short_positions(
    client: TestClient, container: Container
) -> None:
    add_locations(container, ["EWR", "ATL"])
    add_skus(container, "A", "B")
    stock(container, "A", "EWR", 5)  # B has no stock at EWR but a safety stock: short
    client.put("/v1/inventory/B/locations/EWR/safety-stock", json={"safety_stock": 2})
    client.post("/v1/orders", json=order_payload(("A", 1)))
    page = client.get("/settings/locations")
    assert page.status_code == 200
    ewr = _row(page.text, "EWR")
    assert re.search(r'data-testid="location-short"[^>]*>1<', ewr) and 'href="/orders?location=EWR"' in ewr
    assert re.search(r'data-testid="location-taken">1<', ewr)
    assert 'data-testid="nav-settings"' in page.text and 'href="/settings/locations" class="active"' in page.text


def test_a_location_edit_changes_the_row_and_records_before_and_after(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    answer = client.post("/settings/locations/EWR", data=EDIT)
    assert answer.status_code == 200, answer.text
    row = _row(answer.text, "EWR")
    assert 'value="150"' in row and 'value="16:30"' in row and 'value="24"' in row and "saved" in row
    api = {r["id"]: r for r in client.get("/v1/locations").json()["items"]}["EWR"]
    assert (api["daily_capacity"], api["cutoff_utc"], api["priority"], api["ship_by_seconds"]) == (
        150,
        "16:30",
        200,
        86400,
    )
    record = _updates(container, "EWR")[0]
    assert record.actor == "dashboard"  # who acts when auth is off; signed in, "name (role)" (below)
    assert record.detail["before"] == {
        "priority": 100,
        "ship_by_seconds": 172800,
        "daily_capacity": None,
        "cutoff_utc": None,
    }
    assert record.detail["after"] == {
        "priority": 200,
        "ship_by_seconds": 86400,
        "daily_capacity": 150,
        "cutoff_utc": "16:30",
    }
    again = client.post("/settings/locations/EWR", data=EDIT)  # the same form again changes nothing
    assert again.status_code == 200 and len(_updates(container, "EWR")) == 1
    off = client.post("/settings/locations/EWR", data={**EDIT, "active": ""})
    assert 'data-testid="location-state">inactive<' in off.text


def test_a_bad_cut_off_is_refused_naming_the_field(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    answer = client.post("/settings/locations/EWR", data={**EDIT, "cutoff_utc": "25:00"})
    assert answer.status_code == 422
    assert "cutoff_utc: '25:00' is not a time HH:MM" in html.unescape(answer.text)
    bad_capacity = client.post("/settings/locations/EWR", data={**EDIT, "daily_capacity": "lots"})
    assert bad_capacity.status_code == 422 and "daily_capacity: " in html.unescape(bad_capacity.text)
    assert _updates(container, "EWR") == []
    assert client.post("/settings/locations/NOPE", data=EDIT).status_code == 404


def test_the_safety_stock_form_sets_one_position_and_records_before_and_after(
    client: TestClient, container: Container
) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 8)
    answer = client.post("/settings/safety-stock", data={"sku": "A", "location_id": "EWR", "units": "3"})
    assert answer.status_code == 200
    assert "A at EWR: safety stock 3 (on hand 8, reserved 0, available 5)" in answer.text
    client.post("/settings/safety-stock", data={"sku": "A", "location_id": "EWR", "units": "4"})
    newest, first = changes.recent(container.uow, subject="position:A@EWR")
    assert first.detail["before"] == {"safety_stock": 0} and first.detail["after"] == {"safety_stock": 3}
    assert newest.detail["before"] == {"safety_stock": 3} and newest.detail["after"] == {"safety_stock": 4}
    unknown = client.post("/settings/safety-stock", data={"sku": "ZZZ", "location_id": "EWR", "units": "1"})
    assert unknown.status_code == 404 and "unknown SKU(s): ZZZ" in unknown.text
    negative = client.post("/settings/safety-stock", data={"sku": "A", "location_id": "EWR", "units": "-1"})
    assert negative.status_code == 422 and "safety_stock: must not be negative" in negative.text


def test_partners_pages_show_profiles_and_documents(client: TestClient, container: Container) -> None:
    profile = PartnerProfile(
        "ACME", "Acme Retail", X12Identity("ZZ", "ACMEEDI"), sku_xref={"X-1": "A"}, contract_prices={}
    )
    put_partner(container.uow, profile, clock=container.clock)
    listing = client.get("/settings/partners")
    assert listing.status_code == 200
    assert 'data-partner="ACME"' in listing.text and "ZZ:ACMEEDI" in listing.text
    assert 'href="/orders?partner=ACME"' in listing.text
    page = client.get("/settings/partners/ACME")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "qualifier ZZ, id ACMEEDI" in text and re.search(r'data-testid="partner-xref">1<', text)
    assert "Nothing sent yet." in text
    assert client.get("/settings/partners/NOPE").status_code == 404


def test_a_partner_profile_change_keeps_only_the_fields_that_changed(container: Container) -> None:
    put_partner(container.uow, PartnerProfile("ACME", "Acme"), clock=container.clock)
    put_partner(container.uow, PartnerProfile("ACME", "Acme", currency="EUR"), clock=container.clock)
    newest, first = changes.recent(container.uow, subject="partner:ACME")
    assert first.detail["before"] is None and first.detail["after"]["name"] == "Acme"
    assert newest.detail["before"] == {"currency": "USD"} and newest.detail["after"] == {"currency": "EUR"}


def test_the_connectors_page_shows_each_connectors_day_and_no_secret(client: TestClient, container: Container) -> None:
    now = container.clock()
    minute = now.replace(second=0, microsecond=0) - timedelta(hours=2)
    bucket = {"connector": "erp", "minute": minute, "ok": 9, "errors": 1, "throttled": 0, "timeouts": 0}
    bucket |= {"latency_sum_s": 1.0, "latency_max_s": 0.3, "last_success_at": minute, "last_error_at": minute}
    bucket["last_error"] = "HTTP 503 from /sales-orders"
    with container.engine.begin() as connection:
        connector_health.add_buckets(connection, [bucket])
    page = client.get("/settings/connectors")
    assert page.status_code == 200
    row = re.search(r'<tr data-connector="erp".*?</tr>', page.text, flags=re.S)
    assert row is not None
    assert "HTTP 503 from /sales-orders" in row.group(0) and re.search(
        r'data-testid="connector-rate">10.0%<', row.group(0)
    )
    assert 'data-endpoint="wms"' in page.text and "the built-in simulator" in page.text


def test_a_key_is_shown_once_and_revoking_it_works(client: TestClient, container: Container) -> None:
    made = client.post("/settings/keys", data={"name": "erp-sync", "role": "operator", "channel": ""})
    assert made.status_code == 201
    token = re.search(r'data-testid="key-token">([^<]+)<', made.text)
    assert token is not None and "it will not be shown again" in made.text
    listing = client.get("/settings/keys").text
    assert "erp-sync" in listing and token.group(1) not in listing  # the list never shows the secret
    key_id = re.search(r'data-key="([^"]+)" data-state="active"', listing)
    assert key_id is not None
    revoked = client.post(f"/settings/keys/{key_id.group(1)}/revoke")
    assert revoked.status_code == 200 and 'data-state="revoked"' in revoked.text
    record = changes.recent(container.uow, subject=f"key:{key_id.group(1)}")[0]
    assert record.action == "key.revoked" and record.detail["before"] == {"revoked_at": None}
    assert client.get("/v1/keys/whoever", headers={"Authorization": f"Bearer {token.group(1)}"}).status_code != 200
    refused = client.post("/settings/keys", data={"name": "x", "role": "channel", "channel": ""})
    assert refused.status_code == 422 and "channel" in refused.text


@pytest.mark.auth
def test_keys_and_the_change_log_need_the_admin_role(client: TestClient, container: Container) -> None:
    operator = {"Authorization": f"Bearer {new_key(container, Role.OPERATOR, 'olga')}"}
    admin = {"Authorization": f"Bearer {new_key(container, Role.ADMIN, 'ada')}"}
    assert client.get("/settings/keys", headers=operator).status_code == 403
    assert client.post("/settings/keys", data={"name": "x", "role": "viewer"}, headers=operator).status_code == 403
    assert client.get("/settings/changes", headers=operator).status_code == 403
    add_locations(container, ["EWR"])
    assert client.post("/settings/locations/EWR", data=EDIT, headers=operator).status_code == 403
    assert client.patch("/v1/locations/EWR", json={"priority": 5}, headers=operator).status_code == 403
    assert client.get("/settings/locations", headers=operator).status_code == 200
    assert client.post("/settings/locations/EWR", data=EDIT, headers=admin).status_code == 200
    assert _updates(container, "EWR")[0].actor == "ada (admin)"
    assert client.get("/settings/keys", headers=admin).status_code == 200


def test_the_change_log_pages_filters_and_shows_before_and_after(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR", "ATL", "ORD"])
    for capacity in range(1, 56):  # 55 location edits, over the page of 50
        client.post("/settings/locations/EWR", data={**EDIT, "daily_capacity": str(capacity)})
    first = client.get("/settings/changes?subject=location:").text
    assert first.count("<tr data-change-id=") == 50
    older = re.search(r'href="/settings/changes\?subject=location%3A&amp;before=(\d+)"', first)
    assert older is not None
    second = client.get(f"/settings/changes?subject=location:&before={older.group(1)}").text
    assert second.count("<tr data-change-id=") == 55 + 3 - 50  # the rest, the three creations included
    newest = html.unescape(first.split("<tr data-change-id=")[1])
    assert "location.updated" in newest and "location:EWR" in newest
    before_after = r'<th scope="row">daily_capacity</th><td data-testid="change-before">54</td>.*?"change-after">55<'
    assert re.search(before_after, newest, flags=re.S)
    assert "location.updated" not in client.get("/settings/changes?subject=key:").text
