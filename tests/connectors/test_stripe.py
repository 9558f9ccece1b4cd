"""The Stripe connector: what it sends (form body, headers) and how it reads answers and Stripe's errors,
against httpx.MockTransport, then end to end against the payments simulator in-process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import httpx
import pytest

from overture.connectors.http import ConnectorConfig
from overture.connectors.stripe import STRIPE_VERSION, StripeConnector
from overture.services.ports.connector_errors import (
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)
from overture.services.ports.payments import AuthorisationExpired, CardDeclined, PaymentRefused
from overture.simulators.payments import DEFAULT_API_KEY, create_payments_app

T = TypeVar("T")
FIXTURES = Path(__file__).parents[1] / "channels" / "fixtures" / "stripe"
INTENT: dict[str, Any] = json.loads((FIXTURES / "payment_intent_captured.json").read_text())
REFUND: dict[str, Any] = json.loads((FIXTURES / "refund_created.json").read_text())
CHARGE = {
    "id": "ch_1",
    "object": "charge",
    "amount_refunded": 250,
    "payment_method_details": {"card": {"capture_before": 1_700_000_000}, "type": "card"},
}


class Recorder:
    def __init__(self, *answers: httpx.Response) -> None:
        self.requests: list[httpx.Request] = []
        self._answers = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._answers.pop(0)

    def form(self, index: int = 0) -> list[tuple[str, str]]:
        return parse_qsl(self.requests[index].read().decode(), keep_blank_values=True)


def run(recorder: Recorder, work: Callable[[StripeConnector], Awaitable[T]]) -> T:
    async def scenario() -> T:
        transport = httpx.MockTransport(recorder)
        async with StripeConnector(
            ConnectorConfig("stripe", "http://psp"), api_key="sk_test_1", transport=transport
        ) as c:
            return await work(c)

    return asyncio.run(scenario())


def authorise(c: StripeConnector) -> Awaitable[Any]:
    return c.authorise(order_id="ord_1", amount_minor=1000, currency="USD", payment_method="pm_card_visa",
                       idempotency_key="authorise:ord_1")  # fmt: skip


def test_authorise_posts_a_manual_multicapture_intent_as_a_form() -> None:
    recorder = Recorder(
        httpx.Response(200, json={**INTENT, "latest_charge": CHARGE, "metadata": {"order_id": "ord_1"}})
    )
    intent = run(recorder, authorise)
    request = recorder.requests[0]
    assert (request.method, request.url.path) == ("POST", "/v1/payment_intents")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Authorization"] == "Bearer sk_test_1"
    assert request.headers["Stripe-Version"] == STRIPE_VERSION
    assert request.headers["Idempotency-Key"] == "authorise:ord_1"
    assert recorder.form() == [
        ("amount", "1000"),
        ("currency", "usd"),
        ("payment_method", "pm_card_visa"),
        ("payment_method_types[]", "card"),
        ("confirm", "true"),
        ("capture_method", "manual"),
        ("payment_method_options[card][request_multicapture]", "if_available"),
        ("metadata[order_id]", "ord_1"),
        ("expand[]", "latest_charge"),
    ]
    assert intent.id == "pi_3MrPBM2eZvKYlo2C1TEMacFD"
    assert (intent.status, intent.amount, intent.amount_capturable, intent.amount_received) == (
        "succeeded",
        1000,
        0,
        1000,
    )
    assert intent.currency == "USD"
    assert intent.capture_before == datetime.fromtimestamp(1_700_000_000, UTC)
    assert (intent.amount_refunded, intent.order_id) == (250, "ord_1")


def test_capture_void_and_retrieve_send_what_stripe_documents() -> None:
    answer = {**INTENT, "latest_charge": CHARGE}
    recorder = Recorder(*(httpx.Response(200, json=answer) for _ in range(3)))

    async def work(c: StripeConnector) -> None:
        await c.capture(intent_id="pi_1", amount_minor=700, final=False, idempotency_key="capture:ord_1:1")
        await c.void(intent_id="pi_1", idempotency_key="void:ord_1")
        await c.retrieve("pi_1")

    run(recorder, work)
    capture, void, retrieve = recorder.requests
    assert capture.url.path == "/v1/payment_intents/pi_1/capture"
    assert recorder.form(0) == [("amount_to_capture", "700"), ("final_capture", "false"), ("expand[]", "latest_charge")]
    assert (void.url.path, recorder.form(1)) == ("/v1/payment_intents/pi_1/cancel", [("expand[]", "latest_charge")])
    assert void.headers["Idempotency-Key"] == "void:ord_1"
    assert (retrieve.method, retrieve.url.path, retrieve.url.params["expand[]"]) == (
        "GET",
        "/v1/payment_intents/pi_1",
        "latest_charge",
    )
    assert "Idempotency-Key" not in retrieve.headers


def test_refund_posts_the_intent_amount_reason_and_metadata() -> None:
    recorder = Recorder(httpx.Response(200, json=REFUND))
    refund = run(recorder, lambda c: c.refund(intent_id="pi_1GszsK2eZvKYlo2CfhZyoZLp", amount_minor=1000,
                                              reason="requested_by_customer", idempotency_key="refund:k1",
                                              metadata={"order_id": "ord_1", "overture_key": "k1"}))  # fmt: skip
    assert recorder.requests[0].url.path == "/v1/refunds"
    assert recorder.form() == [
        ("payment_intent", "pi_1GszsK2eZvKYlo2CfhZyoZLp"),
        ("amount", "1000"),
        ("reason", "requested_by_customer"),
        ("metadata[order_id]", "ord_1"),
        ("metadata[overture_key]", "k1"),
    ]
    assert (refund.id, refund.amount, refund.status, refund.intent_id) == (
        "re_1Nispe2eZvKYlo2Cd31jOCgZ",
        1000,
        "succeeded",
        "pi_1GszsK2eZvKYlo2CfhZyoZLp",
    )


def test_a_reason_stripe_does_not_know_is_refused_before_any_call() -> None:
    recorder = Recorder()
    with pytest.raises(PermanentConnectorError, match="refund reason 'damaged'"):
        run(recorder, lambda c: c.refund(intent_id="pi_1", amount_minor=1, reason="damaged", idempotency_key="k"))
    assert recorder.requests == []


@pytest.mark.parametrize("missing", ["id", "status", "amount", "amount_capturable", "amount_received", "currency"])
def test_an_intent_without_a_field_we_rely_on_is_permanent_and_names_it(missing: str) -> None:
    answer = {k: v for k, v in {**INTENT, "latest_charge": CHARGE}.items() if k != missing}
    with pytest.raises(PermanentConnectorError, match=repr(missing)):
        run(Recorder(httpx.Response(200, json=answer)), authorise)


def test_an_unexpanded_charge_or_a_bad_capture_before_is_permanent() -> None:
    with pytest.raises(PermanentConnectorError, match="latest_charge"):
        run(Recorder(httpx.Response(200, json={**INTENT, "latest_charge": "ch_1"})), authorise)
    bad = {**CHARGE, "payment_method_details": {"card": {"capture_before": "soon"}}}
    with pytest.raises(PermanentConnectorError, match="capture_before"):
        run(Recorder(httpx.Response(200, json={**INTENT, "latest_charge": bad})), authorise)


def stripe_error(status: int, headers: dict[str, str] | None = None, **error: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error}, headers=headers)


@pytest.mark.parametrize(
    ("answer", "kind", "code", "decline_code"),
    [
        (stripe_error(402, type="card_error", code="card_declined", decline_code="generic_decline",
                      message="Your card was declined."), CardDeclined, "card_declined", "generic_decline"),
        (stripe_error(402, type="card_error", code="card_declined", decline_code="insufficient_funds",
                      message="Your card has insufficient funds."),
         CardDeclined, "card_declined", "insufficient_funds"),
        (stripe_error(402, type="card_error", code="expired_card", decline_code="expired_card",
                      message="Your card has expired."), CardDeclined, "expired_card", "expired_card"),
        (stripe_error(400, type="invalid_request_error", code="charge_expired_for_capture",
                      message="The charge cannot be captured as the authorization has expired."),
         AuthorisationExpired, "charge_expired_for_capture", None),
        (stripe_error(400, type="invalid_request_error", code="amount_too_large", param="amount_to_capture",
                      message="too much"), PaymentRefused, "amount_too_large", None),
        (stripe_error(400, type="invalid_request_error", code="payment_intent_unexpected_state",
                      message="status of canceled"), PaymentRefused, "payment_intent_unexpected_state", None),
        (stripe_error(400, type="idempotency_error", message="Keys for idempotent requests ..."),
         PaymentRefused, "idempotency_error", None),
    ],
)  # fmt: skip
def test_stripe_refusals_map_to_typed_permanent_errors(
    answer: httpx.Response, kind: type[PaymentRefused], code: str, decline_code: str | None
) -> None:
    with pytest.raises(kind) as caught:
        run(Recorder(answer), authorise)
    assert type(caught.value) is kind
    assert isinstance(caught.value, PermanentConnectorError)
    assert (caught.value.code, caught.value.decline_code, caught.value.status) == (
        code,
        decline_code,
        answer.status_code,
    )


def test_the_refused_parameter_is_kept() -> None:
    answer = stripe_error(400, type="invalid_request_error", code="amount_too_large", param="amount", message="x")
    with pytest.raises(PaymentRefused) as caught:
        run(Recorder(answer), authorise)
    assert caught.value.param == "amount"
    assert "amount_too_large" in str(caught.value) and "param amount" in str(caught.value)


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (stripe_error(409, type="idempotency_error", code="idempotency_key_in_use", message="in use"),
         RetryableConnectorError),
        (stripe_error(409, {"Stripe-Should-Retry": "false"}, type="invalid_request_error", message="no"),
         PermanentConnectorError),
        (stripe_error(400, {"Stripe-Should-Retry": "true"}, type="invalid_request_error", code="lock_timeout",
                      message="locked"), RetryableConnectorError),
        (stripe_error(429, {"Retry-After": "2"}, type="invalid_request_error", code="rate_limit", message="slow"),
         ThrottledError),
        (stripe_error(500, type="api_error", message="oops"), RetryableConnectorError),
        (stripe_error(401, type="invalid_request_error", message="Invalid API Key provided"), PermanentConnectorError),
        (httpx.Response(502, text="<html>bad gateway</html>"), RetryableConnectorError),
    ],
)  # fmt: skip
def test_retryable_answers_follow_stripe_and_the_base_class(answer: httpx.Response, kind: type[Exception]) -> None:
    with pytest.raises(kind) as caught:
        run(Recorder(answer), authorise)
    assert type(caught.value) is kind
    if kind is ThrottledError:
        assert isinstance(caught.value, ThrottledError) and caught.value.retry_after == 2.0


def test_a_negative_amount_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="amount_minor"):
        run(Recorder(), lambda c: c.capture(intent_id="pi_1", amount_minor=-1, final=True, idempotency_key="k"))


# Against the simulator, served in-process.


def simulated(work: Callable[[StripeConnector, httpx.AsyncClient], Awaitable[T]], **options: Any) -> T:
    async def scenario() -> T:
        transport = httpx.ASGITransport(app=create_payments_app(**options))
        config = ConnectorConfig("stripe", "http://psp")
        async with (
            StripeConnector(config, api_key=DEFAULT_API_KEY, transport=transport) as connector,
            httpx.AsyncClient(transport=transport, base_url="http://psp") as control,
        ):
            return await work(connector, control)

    return asyncio.run(scenario())


def test_against_the_simulator_authorise_capture_in_parts_refund_and_reconcile() -> None:
    async def work(c: StripeConnector, control: httpx.AsyncClient) -> dict[str, Any]:
        intent = await authorise(c)
        assert (intent.status, intent.amount_capturable, intent.order_id) == ("requires_capture", 1000, "ord_1")
        assert intent.capture_before is not None and intent.capture_before > datetime.now(UTC)
        first = await c.capture(intent_id=intent.id, amount_minor=600, final=False, idempotency_key="capture:1")
        assert (first.status, first.amount_capturable, first.amount_received) == ("requires_capture", 400, 600)
        again = await c.capture(intent_id=intent.id, amount_minor=600, final=False, idempotency_key="capture:1")
        assert again == first  # the same key replays the first answer
        last = await c.capture(intent_id=intent.id, amount_minor=300, final=True, idempotency_key="capture:2")
        assert (last.status, last.amount_capturable, last.amount_received) == ("succeeded", 0, 900)
        refund = await c.refund(intent_id=intent.id, amount_minor=200, reason="requested_by_customer",
                                idempotency_key="refund:1")  # fmt: skip
        assert (refund.amount, refund.status, refund.intent_id) == (200, "succeeded", intent.id)
        assert (await c.retrieve(intent.id)).amount_refunded == 200
        records: dict[str, Any] = (await control.get("/_records")).json()
        return records

    records = simulated(work)
    [held] = records["payment_intents"]
    assert (held["amount_received"], held["amount_refunded"]) == (900, 200)


def test_against_the_simulator_refusals_arrive_typed() -> None:
    async def work(c: StripeConnector, control: httpx.AsyncClient) -> None:
        with pytest.raises(CardDeclined) as declined:
            await c.authorise(order_id="o", amount_minor=500, currency="EUR", payment_method="pm_card_chargeDeclined",
                              idempotency_key="a:declined")  # fmt: skip
        assert (declined.value.code, declined.value.decline_code) == ("card_declined", "generic_decline")
        intent = await c.authorise(order_id="o2", amount_minor=500, currency="EUR", payment_method="pm_card_visa",
                                   idempotency_key="a:ok")  # fmt: skip
        with pytest.raises(PaymentRefused) as too_much:
            await c.capture(intent_id=intent.id, amount_minor=501, final=True, idempotency_key="c:big")
        assert (too_much.value.code, too_much.value.param) == ("amount_too_large", "amount_to_capture")
        (await control.post("/_clock", json={"advance_s": 8 * 24 * 3600})).raise_for_status()
        with pytest.raises(AuthorisationExpired):
            await c.capture(intent_id=intent.id, amount_minor=100, final=True, idempotency_key="c:late")
        assert (await c.retrieve(intent.id)).status == "canceled"

    simulated(work)


def test_against_the_simulator_a_wrong_key_is_permanent() -> None:
    async def work(_: StripeConnector, control: httpx.AsyncClient) -> None:
        transport = httpx.ASGITransport(app=create_payments_app())
        async with StripeConnector(
            ConnectorConfig("stripe", "http://psp"), api_key="sk_wrong", transport=transport
        ) as c:
            with pytest.raises(PermanentConnectorError, match="Invalid API Key") as caught:
                await c.retrieve("pi_1")
            assert caught.value.status == 401 and not isinstance(caught.value, PaymentRefused)

    simulated(work)
