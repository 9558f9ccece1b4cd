"""The EasyPost connector: its exact wire (httpx.MockTransport and EasyPost-shaped fixtures), its
error mapping, and a whole label bought from the carrier simulator."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from overture.connectors.easypost import EasyPostConnector, address
from overture.connectors.http import ConnectorConfig
from overture.services.ports.carrier import ReturnLabel
from overture.services.ports.connector_errors import (
    ApiDriftError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)
from overture.simulators import SimulatorServer
from overture.simulators.carrier import SIMULATOR_API_KEY, create_carrier_app
from tests.connectors.test_wms_erp import Recorder

T = TypeVar("T")
FIXTURES = Path(__file__).parent / "fixtures" / "easypost"
CUSTOMER = {"name": "Ann Lee", "email": "ann@example.com", "phone": "5555550100"}
SHIP_FROM = {
    "name": "",
    "street1": "179 N Harbor Dr",
    "street2": "",
    "city": "Redondo Beach",
    "state": "CA",
    "zip": "90277",
    "country": "US",
    "email": "ann@example.com",
}
SHIP_TO = {
    "name": "Newark DC",
    "street1": "1 Dock St",
    "city": "Newark",
    "state": "NJ",
    "zip": "07102",
    "country": "US",
}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def label_for(
    connector: EasyPostConnector, *, key: str = "return-label:ret_1", **change: Any
) -> Awaitable[ReturnLabel]:
    args: dict[str, Any] = {"customer": CUSTOMER, "ship_from": SHIP_FROM, "ship_to": SHIP_TO, **change}
    return connector.create_return_label(return_id="ret_1", parcel_weight_oz=Decimal("16"), idempotency_key=key, **args)


def run(recorder: Recorder, work: Callable[[EasyPostConnector], Awaitable[T]], *, key: str = "EZTK_abc") -> T:
    async def scenario() -> T:
        transport = httpx.MockTransport(recorder)
        async with EasyPostConnector(
            ConnectorConfig("easypost", "https://api.easypost.test"), api_key=key, transport=transport
        ) as c:
            return await work(c)

    return asyncio.run(scenario())


def test_a_return_label_is_one_return_shipment_and_one_buy_of_its_cheapest_rate() -> None:
    recorder = Recorder(
        httpx.Response(201, json=fixture("shipment_created.json")),
        httpx.Response(200, json=fixture("shipment_bought.json")),
    )
    label = run(recorder, label_for)

    assert label == ReturnLabel(
        carrier="USPS",
        service="GroundAdvantage",
        tracking_code="9400100105442285876350",
        label_url="https://easypost-files.s3.us-west-2.amazonaws.com/files/postage_label/20250102/ret_1.png",
        rate=Decimal("5.93"),
        currency="USD",
        shipment_id="shp_6f1c3b2a9d8e4f7a8b0c1d2e3f4a5b6c",
    )
    create, buy = recorder.requests
    assert (create.method, create.url.path) == ("POST", "/v2/shipments")
    assert create.headers["Authorization"] == "Basic " + base64.b64encode(b"EZTK_abc:").decode()
    assert "Idempotency-Key" not in create.headers  # EasyPost has none: the reference carries the key
    assert recorder.body(0) == {
        "shipment": {
            # is_return: EasyPost switches the addresses, so "to" is the customer, as on the outbound label
            "to_address": {**{k: v for k, v in SHIP_FROM.items() if v}, "name": "Ann Lee", "phone": "5555550100"},
            "from_address": SHIP_TO,
            "parcel": {"weight": 16.0},
            "is_return": True,
            "reference": "return-label:ret_1",
            "options": {"print_custom_1": "ret_1"},
        }
    }
    assert (buy.method, buy.url.path) == ("POST", "/v2/shipments/shp_6f1c3b2a9d8e4f7a8b0c1d2e3f4a5b6c/buy")
    assert recorder.body(1) == {"rate": {"id": "rate_usps"}}
    assert buy.headers["Authorization"] == create.headers["Authorization"]


def test_a_shipment_already_bought_under_the_reference_is_not_bought_again() -> None:
    recorder = Recorder(httpx.Response(200, json=fixture("shipment_bought.json")))
    label = run(recorder, label_for)
    assert label.tracking_code == "9400100105442285876350"
    assert [r.url.path for r in recorder.requests] == ["/v2/shipments"]


def test_address_keeps_easyposts_fields_with_a_value_and_fills_the_customers_gaps() -> None:
    fields = {"name": "", "street1": "1 Main", "zip": "10001", "country": "US", "company": "ignored", "street2": ""}
    assert address(fields, {"name": "Ann", "email": "a@x.com", "city": "not a gap we fill"}) == {
        "name": "Ann",
        "street1": "1 Main",
        "zip": "10001",
        "country": "US",
        "email": "a@x.com",
    }


def test_an_easypost_error_body_becomes_the_message_of_a_permanent_error() -> None:
    recorder = Recorder(httpx.Response(422, json=fixture("error_address_verify.json")))
    with pytest.raises(PermanentConnectorError) as caught:
        run(recorder, label_for)
    error = caught.value
    assert (error.status, error.operation) == (422, "create_shipment")
    assert "ADDRESS.VERIFY.FAILURE: Address not found" in error.message
    assert "street1: House number is missing" in error.message


def test_errors_given_as_strings_are_read_too() -> None:
    recorder = Recorder(httpx.Response(422, json=fixture("error_string_errors.json")))
    with pytest.raises(PermanentConnectorError, match=r"PARAMETER.INVALID: .*weight must be greater than 0"):
        run(recorder, label_for)


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (
            httpx.Response(
                429, headers={"Retry-After": "7"}, json={"error": {"code": "RATE_LIMITED", "message": "slow"}}
            ),
            ThrottledError,
        ),
        (httpx.Response(503, text="upstream down"), RetryableConnectorError),
        (
            httpx.Response(500, json={"error": {"code": "INTERNAL_SERVER_ERROR", "message": "oops"}}),
            RetryableConnectorError,
        ),
        (
            httpx.Response(401, json={"error": {"code": "APIKEY.REQUIRED", "message": "no key"}}),
            PermanentConnectorError,
        ),
        (
            httpx.Response(402, json={"error": {"code": "PAYMENT_REQUIRED", "message": "no funds"}}),
            PermanentConnectorError,
        ),
    ],
)
def test_status_says_whether_a_retry_helps(answer: httpx.Response, kind: type[Exception]) -> None:
    with pytest.raises(kind) as caught:
        run(Recorder(answer), label_for)
    assert type(caught.value) is kind
    if isinstance(caught.value, ThrottledError):
        assert caught.value.retry_after == 7.0


def test_a_failed_buy_is_reported_as_the_buy() -> None:
    recorder = Recorder(
        httpx.Response(201, json=fixture("shipment_created.json")), httpx.Response(502, text="bad gateway")
    )
    with pytest.raises(RetryableConnectorError) as caught:
        run(recorder, label_for)
    assert caught.value.operation == "buy_shipment"


def _without(data: dict[str, Any], path: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    *parents, last = path.split(".")
    target = copy
    for key in parents:
        target = target[key]
    del target[last]
    return copy


@pytest.mark.parametrize(
    "path",
    ["tracking_code", "postage_label.label_url", "selected_rate.rate", "selected_rate.carrier", "postage_label", "id"],
)
def test_a_bought_shipment_missing_a_field_is_permanent_naming_it(path: str) -> None:
    bought = _without(fixture("shipment_bought.json"), path)
    recorder = Recorder(httpx.Response(201, json=fixture("shipment_created.json")), httpx.Response(200, json=bought))
    with pytest.raises(PermanentConnectorError, match=re.escape(repr(path))):
        run(recorder, label_for)


@pytest.mark.parametrize(
    ("rates", "match"),
    [
        ([], "no rates"),
        ([{"id": "rate_1", "rate": 5.93, "currency": "USD"}], r"rates\[0\].rate"),
        ([{"id": "rate_1", "rate": "cheap", "currency": "USD"}], r"rates\[0\].rate"),
        ([{"rate": "5.93", "currency": "USD"}], r"rates\[0\].id"),
        (
            [{"id": "a", "rate": "5.93", "currency": "USD"}, {"id": "b", "rate": "4.00", "currency": "CAD"}],
            "currencies",
        ),
    ],
)
def test_rates_we_cannot_compare_are_permanent(rates: list[dict[str, Any]], match: str) -> None:
    created = {**fixture("shipment_created.json"), "rates": rates}
    with pytest.raises(PermanentConnectorError, match=match):
        run(Recorder(httpx.Response(201, json=created)), label_for)


def test_against_the_simulator_one_label_per_key_and_errors_mapped() -> None:
    async def scenario(url: str) -> tuple[ReturnLabel, ReturnLabel, ReturnLabel]:
        config = ConnectorConfig("easypost", url)
        async with EasyPostConnector(config, api_key=SIMULATOR_API_KEY) as connector:
            first = await label_for(connector)
            again = await label_for(connector)
            other = await label_for(connector, key="return-label:ret_2")
            with pytest.raises(PermanentConnectorError, match=r"ADDRESS.VERIFY.FAILURE.*to_address.zip") as caught:
                await label_for(connector, key="return-label:ret_3", ship_from={**SHIP_FROM, "zip": ""})
            assert caught.value.status == 422
        async with EasyPostConnector(config, api_key="EZTK_wrong") as stranger:
            with pytest.raises(PermanentConnectorError, match="APIKEY") as denied:
                await label_for(stranger)
            assert denied.value.status == 401
        return first, again, other

    with SimulatorServer(create_carrier_app()) as server:
        first, again, other = asyncio.run(scenario(server.url))
        records = httpx.get(server.url + "/_records").json()

    assert first == again and first != other
    assert (first.carrier, first.rate, first.currency) == ("USPS", Decimal("6.78"), "USD")
    assert [label["reference"] for label in records["labels"]] == ["return-label:ret_1", "return-label:ret_2"]


def test_a_bought_label_without_its_tracking_code_is_api_drift_with_the_answer_kept() -> None:
    created = json.loads((FIXTURES / "shipment_created.json").read_text())
    bought = json.loads((FIXTURES / "shipment_bought.json").read_text())
    bought.pop("tracking_code")
    recorder = Recorder(httpx.Response(201, json=created), httpx.Response(200, json=bought))

    async def scenario() -> None:
        config = ConnectorConfig("carrier", "https://api.easypost.test")
        async with EasyPostConnector(config, api_key="k", transport=httpx.MockTransport(recorder)) as carrier:
            await carrier.buy_label(
                reference="ord_1/EWR",
                ship_from={"zip": "07114", "country": "US"},
                ship_to={"zip": "10001", "country": "US"},
                parcel_weight_oz=Decimal(16),
                idempotency_key="ord_1:release:EWR:0:label",
            )

    with pytest.raises(ApiDriftError) as raised:
        asyncio.run(scenario())
    assert raised.value.problems == ("answer lacks the string field 'tracking_code'",)
    assert '"postage_label"' in raised.value.raw
    sent = json.loads(recorder.requests[0].read())["shipment"]
    assert (sent["reference"], sent["options"], "is_return" in sent) == (
        "ord_1:release:EWR:0:label",
        {"print_custom_1": "ord_1/EWR"},
        False,
    )
