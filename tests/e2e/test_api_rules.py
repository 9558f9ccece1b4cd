"""Governance rules through the API: one rule set judges every channel's orders, configured per
scope and version, each evaluation recorded as a decision on the order."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from overture.bootstrap import Container
from tests.channels.x12.fixtures import PO_850
from tests.factories import add_locations, add_skus, order_payload, stock

ACME = {
    "name": "Acme Stores",
    "x12": {"qualifier": "ZZ", "id": "ACMEBUYER"},
    "sku_xref": {"ACME-001": "WIDGET-RED", "ACME-002": "GADGET"},
    "uom_factors": {"CA": 12},
    "contract_prices": {"WIDGET-RED": "3.50"},
}
# The 850 asks for 24 WIDGET-RED at 4.00 (2 cases at 48.00) and 5 GADGET at 3.25: 112.25 in all.


def _seed(client: TestClient, container: Container) -> None:
    assert client.put("/v1/partners/ACME", json=ACME).status_code == 201
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET", "A")
    for sku in ("WIDGET-RED", "GADGET", "A"):
        stock(container, sku, "EWR", 1000)


def _rules(client: TestClient, scope: str, rules: dict[str, Any], note: str = "") -> dict[str, Any]:
    response = client.put(f"/v1/rules/{scope}", json={"note": note, "rules": rules})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _edi(client: TestClient, po_number: str = "PO-7781") -> dict[str, Any]:
    text = PO_850.replace("PO-7781", po_number)
    response = client.post("/v1/channels/edi", content=text.encode(), headers={"content-type": "application/edi-x12"})
    assert response.status_code == 200, response.text
    outcome: dict[str, Any] = response.json()["transactions"][0]
    return outcome


def _rest(client: TestClient, *lines: tuple[str, int], **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/orders", json=order_payload(*lines, **overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _governance(client: TestClient, order_id: str) -> dict[str, dict[str, Any]]:
    """The order's validation decisions by rule."""
    decisions = client.get(f"/v1/orders/{order_id}").json()["decisions"]
    return {d["inputs"]["rule"]: d for d in decisions if d["kind"] == "validation"}


def test_rule_sets_are_stored_per_scope_as_numbered_versions(client: TestClient) -> None:
    first = _rules(client, "default", {"price_mismatch": {"tolerance_pct": "2"}}, note="start")
    second = _rules(client, "default", {"embargo": {"action": "reject", "countries": ["KP"]}})

    assert (first["version"], second["version"]) == (1, 2)
    assert first["rules"] == {"price_mismatch": {"enabled": True, "action": "hold", "tolerance_pct": "2"}}
    current = client.get("/v1/rules/default").json()
    assert current["rules"] == {
        "embargo": {"enabled": True, "action": "reject", "skus": [], "countries": ["KP"]},
    }
    assert [v["version"] for v in current["versions"]] == [1, 2]
    assert client.get("/v1/rules/default", params={"version": 1}).json()["note"] == "start"
    assert _rules(client, "channel:web", {})["version"] == 1  # each scope counts its own versions
    assert [r["scope"] for r in client.get("/v1/rules").json()["items"]] == ["channel:web", "default"]


def test_bad_scopes_rules_and_thresholds_are_refused_by_field(client: TestClient) -> None:
    assert client.put("/v1/rules/store:1", json={"rules": {}}).status_code == 422
    unknown_rule = client.put("/v1/rules/default", json={"rules": {"weather": {}}})
    wrong_threshold = client.put("/v1/rules/default", json={"rules": {"embargo": {"tolerance_pct": "1"}}})
    bad_action = client.put("/v1/rules/default", json={"rules": {"embargo": {"action": "ignore"}}})
    for response, field in (
        (unknown_rule, "body.rules.weather"),
        (wrong_threshold, "body.rules.embargo.tolerance_pct"),
    ):
        assert response.status_code == 422
        assert {f["field"] for f in response.json()["error"]["fields"]} == {field}
    assert bad_action.status_code == 422
    assert client.get("/v1/rules/default").status_code == 404  # nothing was stored
    assert client.get("/v1/rules/channel:nope").json()["error"]["code"] == "not_found"


def test_one_rule_set_judges_rest_storefront_and_edi_orders_alike(client: TestClient, container: Container) -> None:
    _seed(client, container)
    _rules(client, "default", {"embargo": {"skus": ["GADGET"]}})

    web = _rest(client, ("GADGET", 1), channel="web")
    shop = _rest(client, ("GADGET", 1), channel="shopify")
    edi = _edi(client)

    assert (web["status"], web["exceptions"]) == ("on_hold", ["embargo"])
    assert (shop["status"], shop["exceptions"]) == ("on_hold", ["embargo"])
    assert edi["order_status"] == "on_hold"
    for order_id in (web["id"], shop["id"], edi["order_id"]):
        embargo = _governance(client, order_id)["embargo"]
        inputs = embargo["inputs"]
        assert (embargo["outcome"], inputs["rule_set"], inputs["version"]) == ("hold", "default", 1)
        assert embargo["reason"] == "embargoed product GADGET"
    assert client.get("/v1/inventory/GADGET").json()["totals"]["reserved"] == 0


def test_every_evaluation_is_a_decision_on_the_order_with_its_inputs(client: TestClient, container: Container) -> None:
    _seed(client, container)
    assert client.post("/v1/skus", json=[{"sku": "A", "unit_cost": "6.00"}]).status_code == 200
    rules = {
        "invalid_quantity": {"max_quantity": 10},
        "address_mismatch": {},
        "low_margin": {"min_margin_pct": "30"},
        "embargo": {"countries": ["KP"]},
    }
    _rules(client, "default", rules)

    passed = _rest(client, ("A", 2))  # 9.99 against a cost of 6.00: a 39.94% margin
    held = _rest(client, ("A", 2), zip_code="90012")  # the payload says New York, NY

    decisions = _governance(client, passed["id"])
    assert list(decisions) == ["unknown_sku", "invalid_quantity", "embargo", "address_mismatch", "low_margin"]
    assert {d["outcome"] for d in decisions.values()} == {"pass"}
    assert decisions["low_margin"]["inputs"]["costed_lines"][0]["margin_pct"] == "39.94"
    assert decisions["address_mismatch"]["inputs"]["postal_state"] == "NY"
    assert passed["status"] == "routed"
    assert (held["status"], held["exceptions"]) == ("on_hold", ["address_mismatch"])
    address = _governance(client, held["id"])["address_mismatch"]
    assert address["reason"] == "ZIP code 90012 is in CA, but the address says NY"
    assert client.get("/v1/inventory/A").json()["unit_cost"] == "6"


def test_hold_or_reject_follows_the_configuration_of_the_orders_scope(client: TestClient, container: Container) -> None:
    _seed(client, container)
    _rules(client, "default", {"embargo": {"skus": ["A"]}})
    _rules(client, "channel:web", {"embargo": {"skus": ["A"], "action": "reject"}})

    held = _rest(client, ("A", 1), channel="shop")
    refused = client.post("/v1/orders", json=order_payload(("A", 1), channel="web"))

    assert (held["status"], held["exceptions"]) == ("on_hold", ["embargo"])
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "rejected_by_rule"
    assert error["rules"] == [
        {"rule": "embargo", "reason": "embargoed product A", "rule_set": "channel:web", "version": 1}
    ]
    quarantined = client.get("/v1/quarantine").json()["items"]
    assert [(q["id"], q["reason"]) for q in quarantined] == [(error["message_id"], "rejected_by_rule")]
    assert quarantined[0]["errors"][0]["field"] == "embargo"
    assert client.get("/v1/orders", params={"channel": "web"}).json()["items"] == []
    assert client.get("/v1/inventory/A").json()["totals"]["reserved"] == 0


def test_a_new_version_judges_the_next_order_and_each_order_keeps_the_version_it_met(
    client: TestClient, container: Container
) -> None:
    _seed(client, container)
    _rules(client, "default", {"invalid_quantity": {"max_quantity": 5}})
    first = _rest(client, ("A", 3))
    _rules(client, "default", {"invalid_quantity": {"max_quantity": 2}}, note="tighter")
    second = _rest(client, ("A", 3))

    assert (first["status"], second["status"]) == ("routed", "on_hold")
    versions = [_governance(client, o["id"])["invalid_quantity"]["inputs"]["version"] for o in (first, second)]
    assert versions == [1, 2]
    assert second["exceptions"] == ["invalid_quantity"]


def test_a_partners_rules_override_its_channels_for_its_orders_only(client: TestClient, container: Container) -> None:
    _seed(client, container)
    _rules(client, "channel:edi", {"price_mismatch": {"tolerance_pct": "20"}})
    _rules(client, "partner:ACME", {"price_mismatch": {"tolerance_pct": "5"}})

    edi = _edi(client)  # 4.00 against the contract's 3.50: 14.29% off

    assert edi["order_status"] == "on_hold"
    price = _governance(client, edi["order_id"])["price_mismatch"]
    assert (price["outcome"], price["inputs"]["rule_set"]) == ("hold", "partner:ACME")
    assert price["inputs"]["contract_lines"][0]["difference_pct"] == "14.29"
    effective = client.get("/v1/rules/effective", params={"channel": "edi", "partner_id": "ACME"}).json()["rules"]
    assert (effective["price_mismatch"]["rule_set"], effective["price_mismatch"]["tolerance_pct"]) == (
        "partner:ACME",
        "5",
    )
    other = client.get("/v1/rules/effective", params={"channel": "edi"}).json()["rules"]
    assert other["price_mismatch"]["rule_set"] == "channel:edi"


def test_an_accounts_open_orders_count_against_its_credit_limit(client: TestClient, container: Container) -> None:
    _seed(client, container)
    _rules(client, "partner:ACME", {"credit_limit": {"credit_limit": "150"}})

    first = _edi(client, "PO-1")
    second = _edi(client, "PO-2")

    assert (first["order_status"], second["order_status"]) == ("routed", "on_hold")
    (exception,) = client.get("/v1/exceptions", params={"type": "credit_hold"}).json()["items"]
    assert exception["order_id"] == second["order_id"]
    assert (exception["details"]["open_orders_total"], exception["details"]["exposure"]) == ("112.25", "224.50")
    assert "retry" in exception["allowed_actions"]


def test_the_same_po_through_another_channel_is_refused_as_a_duplicate(
    client: TestClient, container: Container
) -> None:
    _seed(client, container)
    _rules(client, "default", {"duplicate_order": {"action": "reject"}})
    edi = _edi(client)
    portal = order_payload(
        ("WIDGET-RED", 24),
        channel="portal",
        customer={"reference": "ACME", "name": "Acme Stores"},
        references=[{"system": "buyer", "kind": "po_number", "value": "PO-7781"}],
    )

    response = client.post("/v1/orders", json=portal)

    assert response.status_code == 422
    (rule,) = response.json()["error"]["rules"]
    assert rule["rule"] == "duplicate_order"
    assert edi["order_id"] in rule["reason"]
