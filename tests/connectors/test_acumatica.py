"""The Acumatica connector against the Acumatica simulator over real HTTP: the session (cookie sign-in,
sign-out, a second sign-in after the session expired, the API Login Limit), each document of the ERP
port with its wire format, one document per key when a step is retried, actions polled until done,
paging, and the errors (429, 5xx, refused fields, drift)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest

from overture.connectors.acumatica import AcumaticaConnector
from overture.connectors.acumatica_session import OAuthClient
from overture.connectors.http import ConnectorConfig
from overture.services.ports.connector_errors import (
    ApiDriftError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)
from overture.simulators import SimulatorServer
from overture.simulators.acumatica import (
    SIM_CLIENT_ID,
    SIM_CLIENT_SECRET,
    SIM_PASSWORD,
    SIM_TENANT,
    SIM_USER,
    create_acumatica_app,
)

T = TypeVar("T")
ITEMS = [("AACOMPUT01", {"WHOLESALE": 10, "RETAIL": 2}), ("AALEGO500", {"WHOLESALE": 100})]
CUSTOMER = {"reference": "cust-42", "name": "Ann Lee", "email": "ann@example.com"}
LINES = [
    {"line_no": 1, "sku": "AACOMPUT01", "quantity": 2, "unit_price": "500.00"},
    {"line_no": 2, "sku": "AALEGO500", "quantity": 3, "unit_price": "19.99"},
]


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_acumatica_app(items=ITEMS, action_polls=2)) as running:
        yield running


@pytest.fixture
def url(server: SimulatorServer) -> str:
    httpx.post(server.url + "/_reset").raise_for_status()
    return server.url


def control(url: str, method: str, path: str, body: Any = None) -> Any:
    answer = httpx.request(method, url + path, json=body)
    answer.raise_for_status()
    return answer.json()


def records(url: str, entity: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = control(url, "GET", "/_records")[entity]
    return found


def connector(url: str, **options: Any) -> AcumaticaConnector:
    settings: dict[str, Any] = {"username": SIM_USER, "password": SIM_PASSWORD, "tenant": SIM_TENANT}
    settings |= {"branch": "HEADOFFICE", "poll_interval_s": 0.01, **options}
    return AcumaticaConnector(ConnectorConfig("acumatica", url, timeout_s=2.0), **settings)


def run(url: str, work: Callable[[AcumaticaConnector], Awaitable[T]], **options: Any) -> T:
    async def scenario() -> T:
        async with connector(url, **options) as erp:
            return await work(erp)

    return asyncio.run(scenario())


def sales_order(erp: AcumaticaConnector, key: str = "ord_1:sales-order", order_id: str = "ord_1") -> Awaitable[str]:
    return erp.create_sales_order(order_id, CUSTOMER, LINES, "USD", idempotency_key=key)


# ---- the session -------------------------------------------------------------------


def test_it_signs_in_with_a_cookie_and_signs_out_when_closed(url: str) -> None:
    async def work(erp: AcumaticaConnector) -> bool:
        await sales_order(erp)
        await sales_order(erp, key="ord_2:sales-order", order_id="ord_2")
        return erp.signed_in

    assert run(url, work) is True
    assert control(url, "GET", "/_stats")["sessions"] == {"open": 0, "opened": 1, "closed": 1}
    assert control(url, "GET", "/_stats")["login"]["calls"] == 1


def test_an_expired_session_signs_in_again_once_and_the_call_goes_through(url: str) -> None:
    async def work(erp: AcumaticaConnector) -> str:
        await sales_order(erp)
        control(url, "POST", "/_sessions/expire")
        return await sales_order(erp, key="ord_2:sales-order", order_id="ord_2")

    assert run(url, work) == "000002"
    assert control(url, "GET", "/_stats")["sessions"]["opened"] == 2


def test_the_api_login_limit_is_a_retryable_error_that_says_so(url: str) -> None:
    async def work() -> None:
        held = [connector(url), connector(url)]
        for erp in held:
            await erp.login()
        try:
            async with connector(url) as third:
                with pytest.raises(RetryableConnectorError, match="API Login Limit") as caught:
                    await sales_order(third)
                assert caught.value.operation == "login" and caught.value.retry_after == 60.0
        finally:
            for erp in held:
                await erp.aclose()

    asyncio.run(work())
    assert control(url, "GET", "/_stats")["sessions"]["open"] == 0


def test_wrong_credentials_are_permanent(url: str) -> None:
    with pytest.raises(PermanentConnectorError, match="Invalid credentials"):
        run(url, sales_order, password="wrong")


def test_a_connector_pinned_to_another_endpoint_version_fails_at_once(url: str) -> None:
    with pytest.raises(PermanentConnectorError) as caught:
        run(url, sales_order, endpoint_version="23.200.001")
    assert caught.value.status == 404


def test_oauth_signs_in_with_a_bearer_token_renewed_once_when_refused(url: str) -> None:
    oauth = OAuthClient(SIM_CLIENT_ID, SIM_CLIENT_SECRET)

    async def work(erp: AcumaticaConnector) -> list[str]:
        first = await sales_order(erp)
        control(url, "POST", "/_sessions/expire")
        return [first, await sales_order(erp, key="ord_2:sales-order", order_id="ord_2")]

    assert run(url, work, oauth=oauth) == ["000001", "000002"]
    stats = control(url, "GET", "/_stats")
    assert stats["token"]["calls"] == 2 and "login" not in stats
    assert stats["sessions"]["opened"] == 0  # no cookie session, no seat held


def test_oauth_with_a_wrong_secret_is_permanent_and_says_why(url: str) -> None:
    with pytest.raises(PermanentConnectorError, match="invalid_client") as caught:
        run(url, sales_order, oauth=OAuthClient(SIM_CLIENT_ID, "wrong"))
    assert (caught.value.status, caught.value.operation) == (400, "login")
    with pytest.raises(PermanentConnectorError, match="invalid_grant"):
        run(url, sales_order, oauth=OAuthClient(SIM_CLIENT_ID, SIM_CLIENT_SECRET), password="wrong")


# ---- sales orders ------------------------------------------------------------------


def test_a_sales_order_is_put_with_value_wrappers_its_lines_and_our_key(url: str) -> None:
    assert run(url, sales_order) == "000001"

    [order] = records(url, "SalesOrder")
    assert (order["OrderType"], order["CustomerID"], order["CustomerOrder"]) == ("SO", "CUST42", "ord_1")
    assert (order["ExternalRef"], order["CurrencyID"], order["Status"]) == ("ord_1:sales-order", "USD", "Open")
    assert order["Hold"] is False
    lines = [(line["InventoryID"], line["OrderQty"], line["UnitPrice"]) for line in order["Details"]]
    assert lines == [("AACOMPUT01", "2", "500.00"), ("AALEGO500", "3", "19.99")]
    assert Decimal(order["OrderTotal"]) == Decimal("1059.97")
    [customer] = records(url, "Customer")
    assert (customer["CustomerID"], customer["CustomerName"]) == ("CUST42", "Ann Lee")
    assert customer["MainContact"] == {"Email": "ann@example.com"}


def test_a_retried_sales_order_finds_the_first_and_makes_no_second(url: str) -> None:
    async def work(erp: AcumaticaConnector) -> list[str]:
        return [await sales_order(erp), await sales_order(erp), await sales_order(erp, key="ord_9:sales-order")]

    first, again, other = run(url, work)
    assert first == again == "000001" and other == "000002"
    assert [order["ExternalRef"] for order in records(url, "SalesOrder")] == ["ord_1:sales-order", "ord_9:sales-order"]


def test_a_sales_order_whose_answer_was_lost_is_found_on_the_retry(url: str) -> None:
    # The first PUT makes the order but its answer is lost (a 504 from the gateway); the retry finds it.
    control(url, "POST", "/_lose", {"operation": "SalesOrder.put"})

    with pytest.raises(RetryableConnectorError) as caught:
        run(url, sales_order)
    assert caught.value.status == 504 and len(records(url, "SalesOrder")) == 1

    assert run(url, sales_order) == "000001"
    assert len(records(url, "SalesOrder")) == 1


def test_an_invoice_whose_prepare_answer_was_lost_is_found_and_released_on_the_retry(url: str) -> None:
    control(url, "POST", "/_lose", {"operation": "PrepareSalesInvoice"})

    async def work(erp: AcumaticaConnector) -> str:
        number = await sales_order(erp)
        with pytest.raises(RetryableConnectorError):
            await invoice(erp, number)
        return await invoice(erp, number)

    assert run(url, work) == "INV000001"
    assert [(doc["ReferenceNbr"], doc["Status"]) for doc in records(url, "SalesInvoice")] == [("INV000001", "Open")]
    assert control(url, "GET", "/_stats")["PrepareSalesInvoice"]["calls"] == 1


def test_one_web_customer_is_used_when_configured_and_none_is_upserted(url: str) -> None:
    async def work(erp: AcumaticaConnector) -> str:
        await erp.create_sales_order("ord_0", {"reference": "WEB"}, LINES[:1], "USD", idempotency_key="seed")
        return await erp.create_sales_order("ord_1", CUSTOMER, LINES, "USD", idempotency_key="k1")

    run(url, work)
    assert run(url, lambda erp: sales_order(erp, key="k2"), customer_id="WEB") == "000003"
    assert [order["CustomerID"] for order in records(url, "SalesOrder")] == ["WEB", "CUST42", "WEB"]


def test_an_unknown_item_is_refused_naming_the_line_and_field(url: str) -> None:
    lines = [{**LINES[0], "sku": "NOSUCHITEM"}]

    with pytest.raises(PermanentConnectorError, match=r"Details\.0\.InventoryID: 'Inventory ID' cannot be found") as e:
        run(url, lambda erp: erp.create_sales_order("ord_1", CUSTOMER, lines, "USD", idempotency_key="k"))
    assert e.value.status == 422
    assert records(url, "SalesOrder") == []


# ---- shipment, invoice, credit memo, return ----------------------------------------


def test_a_shipment_is_made_confirmed_by_action_and_takes_stock_from_its_warehouse(url: str) -> None:
    async def work(erp: AcumaticaConnector) -> list[str]:
        number = await sales_order(erp)
        lines = [{"line_no": 1, "sku": "AACOMPUT01", "quantity": 2}]
        confirm = erp.confirm_shipment
        first = await confirm("ord_1", number, "WHOLESALE", lines, idempotency_key="ord_1:shipment:WHOLESALE")
        again = await confirm("ord_1", number, "WHOLESALE", lines, idempotency_key="ord_1:shipment:WHOLESALE")
        return [first, again]

    assert run(url, work) == ["000001", "000001"]
    [shipment] = records(url, "Shipment")
    assert (shipment["Status"], shipment["WarehouseID"], shipment["Operation"]) == ("Confirmed", "WHOLESALE", "Issue")
    assert shipment["Description"] == "ord_1:shipment:WHOLESALE"
    computer = next(item for item in records(url, "StockItem") if item["InventoryID"] == "AACOMPUT01")
    stock = {row["WarehouseID"]: Decimal(row["QtyOnHand"]) for row in computer["WarehouseDetails"]}
    assert stock == {"WHOLESALE": Decimal(8), "RETAIL": Decimal(2)}
    stats = control(url, "GET", "/_stats")
    assert stats["ConfirmShipment"]["calls"] == 1 and stats["status"]["calls"] == 3  # 202, 202, 204


def invoice(erp: AcumaticaConnector, number: str) -> Awaitable[str]:
    return erp.create_invoice("ord_1", number, LINES, "USD", "1059.97", idempotency_key="ord_1:invoice")


def test_an_invoice_is_prepared_from_the_order_polled_until_done_and_released(url: str) -> None:
    async def work(erp: AcumaticaConnector) -> list[str]:
        number = await sales_order(erp)
        return [await invoice(erp, number), await invoice(erp, number)]

    assert run(url, work) == ["INV000001", "INV000001"]
    [made] = records(url, "SalesInvoice")
    assert (made["Type"], made["Status"], made["CustomerOrder"]) == ("Invoice", "Open", "ord_1")
    assert Decimal(made["Amount"]) == Decimal("1059.97")
    assert records(url, "SalesOrder")[0]["Status"] == "Invoiced"
    stats = control(url, "GET", "/_stats")
    assert stats["PrepareSalesInvoice"]["calls"] == 1 and stats["ReleaseSalesInvoice"]["calls"] == 1


def test_an_invoice_prepared_but_not_released_is_released_on_the_retry(url: str) -> None:
    control(url, "POST", "/_faults", {"operation": "ReleaseSalesInvoice", "fail_first": 1, "status": 503})

    async def work(erp: AcumaticaConnector) -> str:
        number = await sales_order(erp)
        with pytest.raises(RetryableConnectorError):
            await invoice(erp, number)
        return await invoice(erp, number)

    assert run(url, work) == "INV000001"
    assert [(doc["ReferenceNbr"], doc["Status"]) for doc in records(url, "SalesInvoice")] == [("INV000001", "Open")]


def test_an_action_still_running_past_the_poll_bound_is_retryable(url: str) -> None:
    async def work(erp: AcumaticaConnector) -> None:
        number = await sales_order(erp)
        await invoice(erp, number)

    with pytest.raises(RetryableConnectorError, match="PrepareSalesInvoice still running after 1 polls"):
        run(url, work, max_polls=1)


def test_a_credit_memo_credits_the_invoice_once_and_is_released(url: str) -> None:
    memo_lines = [{"line_no": 2, "sku": "AALEGO500", "quantity": 1, "amount": "21.64"}]

    async def work(erp: AcumaticaConnector) -> list[str]:
        number = await invoice(erp, await sales_order(erp))
        memo = erp.create_credit_memo
        args = ("ord_1", number, "re_1", memo_lines, "USD", "21.64", "return ret_1: refund")
        return [await memo(*args, idempotency_key="ret_1:credit-memo") for _ in range(2)]

    assert run(url, work) == ["CRM000001", "CRM000001"]
    memo = next(doc for doc in records(url, "SalesInvoice") if doc["Type"] == "Credit Memo")
    assert (memo["Status"], memo["ExternalRef"], memo["CustomerID"]) == ("Open", "ret_1:credit-memo", "CUST42")
    [line] = memo["Details"]
    assert (line["OrigInvNbr"], line["InventoryID"], line["ExtendedPrice"]) == ("INV000001", "AALEGO500", "21.64")
    assert Decimal(memo["Amount"]) == Decimal("21.64")


def test_a_return_receipt_is_one_rc_order_per_key_receiving_into_each_warehouse(url: str) -> None:
    back = [
        {"line_no": 1, "sku": "AACOMPUT01", "quantity": 1, "location_id": "loc_east", "disposition": "restock"},
        {"line_no": 1, "sku": "AACOMPUT01", "quantity": 1, "location_id": "loc_east", "disposition": "scrap"},
    ]

    async def work(erp: AcumaticaConnector) -> list[str]:
        await sales_order(erp)
        receipt = erp.record_return_receipt
        return [await receipt("ord_1", "ret_1", back, idempotency_key="ret_1:receipt") for _ in range(2)]

    assert run(url, work, warehouses={"loc_east": "WHOLESALE"}) == ["000001", "000001"]
    returns = [order for order in records(url, "SalesOrder") if order["OrderType"] == "RC"]
    assert len(returns) == 1 and returns[0]["CustomerID"] == "CUST42"
    details = [(line["WarehouseID"], line["Operation"], line["LineDescription"]) for line in returns[0]["Details"]]
    assert details == [("WHOLESALE", "Receipt", "line 1: restock"), ("WHOLESALE", "Receipt", "line 1: scrap")]


# ---- reads, paging and errors ------------------------------------------------------


def test_a_listing_is_read_page_by_page_with_top_and_skip(url: str) -> None:
    async def work(erp: AcumaticaConnector) -> list[list[str]]:
        for n in range(5):
            await sales_order(erp, key=f"ord_{n}:sales-order", order_id=f"ord_{n}")
        every = await erp.sales_orders("OrderType eq 'SO'", page_size=2)
        later = await erp.sales_orders("OrderNbr gt '000003' and OrderType eq 'SO'", page_size=2)
        return [[order.OrderNbr.value for order in found] for found in (every, later)]

    every, later = run(url, work)

    assert every == ["000001", "000002", "000003", "000004", "000005"]
    assert later == ["000004", "000005"]
    # 5 lookups before each create, then pages of 2, 2, 1 and 2, 0 (a full page asks for the next)
    assert control(url, "GET", "/_stats")["SalesOrder.get"]["calls"] == 5 + 3 + 2


def test_429_with_retry_after_is_throttled(url: str) -> None:
    control(url, "POST", "/_faults", {"operation": "SalesOrder.get", "fail_first": 1, "status": 429, "retry_after": 7})

    with pytest.raises(ThrottledError) as caught:
        run(url, sales_order)
    assert (caught.value.status, caught.value.retry_after) == (429, 7.0)


def test_5xx_is_retryable_and_the_retry_succeeds(url: str) -> None:
    control(url, "POST", "/_faults", {"operation": "SalesOrder.put", "fail_first": 1, "status": 503})

    with pytest.raises(RetryableConnectorError) as caught:
        run(url, sales_order)
    assert caught.value.status == 503 and not isinstance(caught.value, ThrottledError)
    assert run(url, sales_order) == "000001"


def test_a_renamed_field_is_drift_naming_the_field_with_the_raw_answer(url: str) -> None:
    control(url, "POST", "/_faults", {"operation": "SalesOrder.put", "rename_fields": {"OrderNbr": "OrderNumber"}})

    with pytest.raises(ApiDriftError) as caught:
        run(url, sales_order)
    assert "OrderNbr: missing" in caught.value.problems
    assert '"OrderNumber": {"value": "000001"}' in caught.value.raw
    assert caught.value.operation == "create_sales_order"
