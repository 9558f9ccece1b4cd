"""Every change to keys, rules, master data, settings and stock is recorded with the signed-in key
as its actor ("name (role)"), never with what a request body claims; ``GET /v1/changes`` lists them.
On both stores, with access control on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.domain.access import Role
from overture.services.access import create_key
from tests.channels.csv_files import ACME_CSV, ACME_PARTNER

pytestmark = pytest.mark.auth


@pytest.fixture
def http(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as client:
        yield client


def _bearer(container: Container, role: Role, name: str) -> dict[str, str]:
    token = create_key(container.uow, container.clock, role=role, name=name).token
    return {"Authorization": f"Bearer {token}"}


def _changes(http: TestClient, admin: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    answer = http.get("/v1/changes", params={"limit": 500, **params}, headers=admin)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _master_data(http: TestClient, admin: dict[str, str]) -> str:
    """Keys, a location, SKUs, sourcing settings, a rule set, a partner and its CSV profile; the new key's id."""
    made = http.post("/v1/keys", json={"role": "viewer", "name": "wall-screen"}, headers=admin)
    assert made.status_code == 201, made.text
    assert http.delete(f"/v1/keys/{made.json()['id']}", headers=admin).status_code == 200
    calls = [
        http.post("/v1/locations", json={"id": "EWR", "name": "Newark", "postal_code": "07102"}, headers=admin),
        http.post("/v1/skus", json=[{"sku": "A"}, {"sku": "B"}], headers=admin),
        http.put("/v1/sourcing/settings", json={"strategies": {"web": "nearest"}}, headers=admin),
        http.put("/v1/rules/channel:web", json={"rules": {"unknown_sku": {}}, "note": "why"}, headers=admin),
        http.put("/v1/partners/ACME", json=ACME_PARTNER, headers=admin),
        http.put("/v1/partners/ACME/csv", json=ACME_CSV, headers=admin),
    ]
    assert [c.status_code for c in calls] == [201, 200, 200, 201, 201, 201], [c.text for c in calls]
    return str(made.json()["id"])


def _stock(http: TestClient, operator: dict[str, str]) -> None:
    entry = {"sku": "A", "location_id": "EWR", "quantity": 5, "reason": "count", "reference": "GRN-1"}
    line = {"reference": "PO-9", "sku": "B", "location_id": "EWR", "quantity": 4, "expected_at": "2027-01-05T00:00:00Z"}
    calls = [
        http.post("/v1/inventory/receipts", json={"entries": [entry]}, headers=operator),
        http.post("/v1/inventory/adjustments", json={"entries": [{**entry, "quantity": -1}]}, headers=operator),
        http.put("/v1/inventory/A/locations/EWR/safety-stock", json={"safety_stock": 1}, headers=operator),
        http.post("/v1/supply", json={"lines": [line]}, headers=operator),
    ]
    assert [c.status_code for c in calls] == [201, 201, 200, 201], [c.text for c in calls]
    supply_id = calls[-1].json()["items"][0]["id"]
    later = {"expected_at": "2027-01-09T00:00:00Z"}
    assert http.patch(f"/v1/supply/{supply_id}", json=later, headers=operator).status_code == 200
    assert http.post(f"/v1/supply/{supply_id}/receipts", json={"quantity": 1}, headers=operator).status_code == 201
    assert http.post(f"/v1/supply/{supply_id}/cancel", json={"reason": "vendor"}, headers=operator).status_code == 200


def test_every_key_rule_master_data_and_stock_change_names_the_signed_in_key_and_its_role(
    http: TestClient, container: Container
) -> None:
    admin = _bearer(container, Role.ADMIN, "ada")
    key_id = _master_data(http, admin)
    _stock(http, _bearer(container, Role.OPERATOR, "olga"))

    by_action = {(c["action"], c["actor"]) for c in _changes(http, admin)}
    for action in ("key.created", "key.revoked", "location.created", "skus.upserted", "sourcing.saved", "rules.put"):
        assert (action, "ada (admin)") in by_action, action
    assert ("partner.put", "ada (admin)") in by_action and ("csv_profile.put", "ada (admin)") in by_action
    for action in ("inventory.received", "inventory.adjusted", "safety_stock.set"):
        assert (action, "olga (operator)") in by_action, action
    for action in ("supply.announced", "supply.changed", "supply.received", "supply.cancelled"):
        assert (action, "olga (operator)") in by_action, action

    [revoked, created] = _changes(http, admin, subject=f"key:{key_id}")
    assert (created["action"], created["detail"]["name"], created["detail"]["role"]) == (
        "key.created",
        "wall-screen",
        "viewer",
    )
    assert revoked["action"] == "key.revoked"
    [rules] = _changes(http, admin, subject="rules:channel:web")
    assert (rules["detail"]["version"], rules["detail"]["note"]) == (1, "why")
    [received] = [c for c in _changes(http, admin) if c["action"] == "inventory.received"]
    assert received["detail"]["count"] == 1 and received["detail"]["items"][0]["reference"] == "GRN-1"


def test_the_change_log_is_for_admins_and_pages_newest_first(http: TestClient, container: Container) -> None:
    admin = _bearer(container, Role.ADMIN, "ada")
    for n in range(3):
        http.post("/v1/skus", json=[{"sku": f"S-{n}"}], headers=admin)
    assert http.get("/v1/changes", headers=_bearer(container, Role.OPERATOR, "olga")).status_code == 403
    page = {"limit": 2, "subject": "skus"}
    first = http.get("/v1/changes", params=page, headers=admin).json()
    rest = http.get("/v1/changes", params={**page, "before": first["next_before"]}, headers=admin).json()
    ids = [c["id"] for c in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    assert [c["detail"]["items"][0]["sku"] for c in first["items"] + rest["items"]] == ["S-2", "S-1", "S-0"]


def test_every_configuration_change_is_recorded_with_what_it_was_and_what_it_became(
    http: TestClient, container: Container
) -> None:
    admin = _bearer(container, Role.ADMIN, "ada")
    for strategy in ("nearest", "cost"):
        answer = http.put("/v1/sourcing/settings", json={"strategies": {"web": strategy}}, headers=admin)
        assert answer.status_code == 200, answer.text
    assert http.put("/v1/partners/ACME", json=ACME_PARTNER, headers=admin).status_code == 201
    for delimiter in (",", ";"):
        answer = http.put("/v1/partners/ACME/csv", json={**ACME_CSV, "delimiter": delimiter}, headers=admin)
        assert answer.status_code in (200, 201), answer.text
    for hold in (7, 14):
        answer = http.put(
            "/v1/marketplace/settings", json={"payout": {"hold_days": hold, "minimum_minor": 1000}}, headers=admin
        )
        assert answer.status_code == 200, answer.text
    partial = http.put("/v1/marketplace/settings", json={"payout": {"hold_days": 3}}, headers=admin)
    assert partial.status_code == 422 and partial.json()["error"]["fields"][0]["field"] == "payout.minimum_minor"
    rule = {"scope": "default", "currency": "USD", "percent": "12.5"}
    assert http.post("/v1/marketplace/commission-rules", json=rule, headers=admin).status_code == 201

    [second, first] = _changes(http, admin, subject="sourcing")
    assert first["detail"]["after"]["strategies"]["web"] == "nearest"
    assert (second["detail"]["before"]["strategies"]["web"], second["detail"]["after"]["strategies"]["web"]) == (
        "nearest",
        "cost",
    )
    csv = [c for c in _changes(http, admin, subject="partner:ACME") if c["action"] == "csv_profile.put"]
    assert [(c["detail"]["before"] or {}).get("delimiter") for c in csv] == [",", None]
    assert [c["detail"]["after"]["delimiter"] for c in csv] == [";", ","]
    [later, earlier] = _changes(http, admin, subject="marketplace:settings")
    assert earlier["detail"]["before"] is None and earlier["detail"]["after"]["payout"]["hold_days"] == 7
    holds = (later["detail"]["before"]["payout"]["hold_days"], later["detail"]["after"]["payout"]["hold_days"])
    assert holds == (7, 14)
    [added] = _changes(http, admin, subject_prefix="commission_rule:")
    assert (added["actor"], added["action"], added["detail"]["before"]) == (
        "ada (admin)",
        "commission_rule.added",
        None,
    )
    assert added["detail"]["after"]["scope"] == "default" and added["detail"]["after"]["currency"] == "USD"
    assert all(c["actor"] == "ada (admin)" for c in [*csv, later, earlier, first, second])
