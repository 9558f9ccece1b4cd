"""The carrier (EasyPost) simulator over real HTTP: auth, EasyPost's error shape, rates, buying,
dedupe by reference, fault injection and records."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from overture.simulators import SimulatorServer
from overture.simulators.__main__ import _parser
from overture.simulators.carrier import SIMULATOR_API_KEY, create_carrier_app
from tests.simulators.conftest import Control

AUTH = {"Authorization": "Basic " + base64.b64encode(f"{SIMULATOR_API_KEY}:".encode()).decode()}
CUSTOMER = {"name": "Ann Lee", "street1": "179 N Harbor Dr", "city": "Redondo Beach", "zip": "90277", "country": "US"}
DC = {"name": "Newark DC", "zip": "07102", "country": "US"}


def shipment(reference: str = "return-label:ret_1", **change: Any) -> dict[str, Any]:
    body = {"to_address": CUSTOMER, "from_address": DC, "parcel": {"weight": 16.0}, "is_return": True}
    return {"shipment": {**body, "reference": reference, **change}}


@pytest.fixture(scope="module")
def _carrier() -> Iterator[Control]:
    with SimulatorServer(create_carrier_app()) as server:
        control = Control(server.url)
        yield control
        control.close()


@pytest.fixture
def carrier(_carrier: Control) -> Control:
    _carrier.post("/_reset").raise_for_status()
    return _carrier


def create(carrier: Control, body: dict[str, Any]) -> httpx.Response:
    return carrier.post("/v2/shipments", body, **AUTH)


def retrieve(carrier: Control, key: str) -> Any:
    answer = httpx.get(f"{carrier.url}/v2/shipments/{key}", headers=AUTH)
    answer.raise_for_status()
    return answer.json()


def buy(carrier: Control, shipment_id: str, rate_id: str) -> httpx.Response:
    return carrier.post(f"/v2/shipments/{shipment_id}/buy", {"rate": {"id": rate_id}}, **AUTH)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer " + SIMULATOR_API_KEY},
        {"Authorization": "Basic " + base64.b64encode(b"other:").decode()},
    ],
)
def test_every_route_wants_the_api_key_as_basic_auth(carrier: Control, headers: dict[str, str]) -> None:
    answer = carrier.post("/v2/shipments", shipment(), **headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "APIKEY.REQUIRED"
    assert carrier.records()["shipments"] == 0


def test_a_shipment_has_three_rates_as_decimal_strings(carrier: Control) -> None:
    answer = create(carrier, shipment(parcel={"weight": 40}))
    assert answer.status_code == 201
    made = answer.json()
    assert made["id"].startswith("shp_") and made["is_return"] is True and made["postage_label"] is None
    rates = {r["carrier"]: r for r in made["rates"]}
    assert set(rates) == {"USPS", "UPS", "FedEx"}
    assert {r["rate"] for r in made["rates"]} == {"8.48", "12.45", "13.55"}  # 40 oz: three started pounds
    assert all(isinstance(r["rate"], str) and r["shipment_id"] == made["id"] for r in made["rates"])


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"to_address": {**CUSTOMER, "zip": ""}}, ["to_address.zip"]),
        ({"from_address": {"name": "DC"}}, ["from_address.zip", "from_address.country"]),
        ({"to_address": None}, ["to_address.zip", "to_address.country"]),
    ],
)
def test_an_address_without_zip_or_country_is_easyposts_422(
    carrier: Control, change: dict[str, Any], fields: list[str]
) -> None:
    answer = create(carrier, shipment(**change))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "ADDRESS.VERIFY.FAILURE"
    assert [e["field"] for e in error["errors"]] == fields
    assert all(set(e) == {"field", "message", "suggestion"} for e in error["errors"])
    assert carrier.records()["shipments"] == 0


@pytest.mark.parametrize("weight", [0, -1, "16", None, True])
def test_a_parcel_needs_a_positive_weight(carrier: Control, weight: Any) -> None:
    answer = create(carrier, shipment(parcel={"weight": weight}))
    assert answer.status_code == 422
    assert answer.json()["error"]["errors"][0]["field"] == "parcel.weight"


def test_buying_a_rate_gives_a_tracking_code_and_a_label(carrier: Control) -> None:
    made = create(carrier, shipment()).json()
    usps = next(r for r in made["rates"] if r["carrier"] == "USPS")
    answer = buy(carrier, made["id"], usps["id"])
    assert answer.status_code == 200
    bought = answer.json()
    assert bought["selected_rate"] == usps
    assert bought["tracking_code"].startswith("9400")
    assert bought["postage_label"]["label_url"].endswith(".png")
    fetched = retrieve(carrier, made["id"])
    assert fetched == bought
    by_reference = retrieve(carrier, "return-label:ret_1")
    assert by_reference["id"] == made["id"]
    [label] = carrier.records()["labels"]
    assert label | {"options": None} == {
        "shipment_id": made["id"],
        "reference": "return-label:ret_1",
        "tracking_code": bought["tracking_code"],
        "label_url": bought["postage_label"]["label_url"],
        "carrier": "USPS",
        "service": "GroundAdvantage",
        "rate": usps["rate"],
        "currency": "USD",
        "options": None,
    }


def test_a_label_is_bought_once(carrier: Control) -> None:
    made = create(carrier, shipment()).json()
    rate = made["rates"][0]["id"]
    assert buy(carrier, made["id"], rate).status_code == 200
    again = buy(carrier, made["id"], rate)
    assert (again.status_code, again.json()["error"]["code"]) == (422, "SHIPMENT.POSTAGE.EXISTS")
    assert len(carrier.records()["labels"]) == 1


def test_buying_needs_a_known_shipment_and_one_of_its_rates(carrier: Control) -> None:
    made = create(carrier, shipment()).json()
    unknown = buy(carrier, "shp_404", made["rates"][0]["id"])
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "NOT_FOUND")
    wrong = buy(carrier, made["id"], "rate_elsewhere")
    assert (wrong.status_code, wrong.json()["error"]["errors"][0]["field"]) == (422, "rate.id")
    assert carrier.records()["labels"] == []


def test_a_repeated_reference_answers_the_shipment_it_made(carrier: Control) -> None:
    first = create(carrier, shipment())
    again = create(carrier, shipment())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    buy(carrier, first.json()["id"], first.json()["rates"][0]["id"]).raise_for_status()
    after_buy = create(carrier, shipment()).json()
    assert after_buy["postage_label"] is not None  # so a retrying connector does not buy twice
    conflict = create(carrier, shipment(parcel={"weight": 99}))
    assert conflict.status_code == 409
    assert carrier.records()["shipments"] == 1
    assert carrier.stats()["create_shipment"] | {"keys": None} == {
        "calls": 4,
        "faulted": 0,
        "recorded": 1,
        "keys": None,
    }


def test_injected_faults_record_nothing(carrier: Control) -> None:
    carrier.faults(operation="buy_shipment", fail_first=2, status=503)
    made = create(carrier, shipment()).json()
    rate = made["rates"][0]["id"]
    assert [buy(carrier, made["id"], rate).status_code for _ in range(2)] == [503, 503]
    assert carrier.records()["labels"] == []
    assert buy(carrier, made["id"], rate).status_code == 200
    assert len(carrier.records()["labels"]) == 1
    assert carrier.stats()["buy_shipment"]["faulted"] == 2


def test_the_simulator_is_registered_on_the_command_line() -> None:
    assert _parser().parse_args(["carrier", "--port", "9300"]).system == "carrier"
