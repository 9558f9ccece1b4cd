"""The Stripe-shaped payments simulator: its state machine, Stripe's idempotency, the test clock, multicapture,
refund limits, faults, and webhook Events signed so that channels/stripe_events.verify_signature accepts them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from overture.channels.stripe_events import parse_event, verify_signature
from overture.simulators.payments import DEFAULT_API_KEY, DEFAULT_WEBHOOK_SECRET, create_payments_app, parse_form

T = TypeVar("T")
AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
WEEK = 7 * 24 * 3600
CARD = {
    "amount": "1000",
    "currency": "usd",
    "payment_method": "pm_card_visa",
    "confirm": "true",
    "capture_method": "manual",
    "payment_method_options[card][request_multicapture]": "if_available",
    "metadata[order_id]": "ord_1",
    "expand[]": "latest_charge",
}


class Inbox:
    """A webhook endpoint in-process: keeps each delivery's raw body and Stripe-Signature."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[bytes, str]] = []
        self.app = FastAPI()

        @self.app.post("/stripe")
        async def collect(request: Request) -> JSONResponse:
            self.deliveries.append((await request.body(), request.headers.get("Stripe-Signature", "")))
            return JSONResponse({"received": True})

    async def wait_for(self, count: int, timeout_s: float = 3.0) -> list[tuple[bytes, str]]:
        deadline = time.monotonic() + timeout_s
        while len(self.deliveries) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return list(self.deliveries)


class Psp:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(self, path: str, form: dict[str, str], key: str | None = None) -> httpx.Response:
        headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
        return await self.client.post(path, data=form, headers=headers)

    async def authorise(self, key: str = "a1", **changes: str) -> dict[str, Any]:
        response = await self.post("/v1/payment_intents", {**CARD, **changes}, key)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def capture(self, intent: str, amount: int, *, final: bool, key: str) -> httpx.Response:
        form = {"amount_to_capture": str(amount), "final_capture": "true" if final else "false"}
        return await self.post(f"/v1/payment_intents/{intent}/capture", form, key)

    async def refund(self, intent: str, amount: int, key: str) -> httpx.Response:
        return await self.post("/v1/refunds", {"payment_intent": intent, "amount": str(amount)}, key)

    async def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await (self.client.post(path, json=body or {}) if body is not None else self.client.get(path))
        response.raise_for_status()
        return response.json()


def scenario(work: Callable[[Psp, Inbox], Awaitable[T]], **options: Any) -> T:
    async def run() -> T:
        inbox = Inbox()
        app = create_payments_app(webhook_url="http://hub/stripe", webhook_transport=httpx.ASGITransport(app=inbox.app),
                                  **options)  # fmt: skip
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://psp") as client:
            try:
                return await work(Psp(client), inbox)
            finally:
                await app.state.sim.sender.aclose()

    return asyncio.run(run())


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def test_parse_form_reads_stripes_brackets() -> None:
    pairs = [("metadata[order_id]", "1"), ("expand[]", "a"), ("expand[]", "b"), ("a[b][c]", "d"), ("amount", "5")]
    assert parse_form(pairs) == {
        "metadata": {"order_id": "1"},
        "expand": ["a", "b"],
        "a": {"b": {"c": "d"}},
        "amount": "5",
    }


def test_every_call_needs_the_secret_key() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        missing = await psp.client.post("/v1/payment_intents", data=CARD)
        assert missing.status_code == 401
        assert error_of(missing)["type"] == "invalid_request_error"
        assert "did not provide an API key" in error_of(missing)["message"]
        wrong = await psp.client.get("/v1/payment_intents/pi_1", headers={"Authorization": "Bearer sk_test_nope"})
        assert wrong.status_code == 401 and "Invalid API Key" in error_of(wrong)["message"]
        basic = await psp.client.get("/v1/payment_intents/pi_1", auth=(DEFAULT_API_KEY, ""))
        assert basic.status_code == 404 and error_of(basic)["code"] == "resource_missing"

    scenario(work)


def test_a_confirmed_manual_intent_waits_for_capture_until_its_window_ends() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        intent = await psp.authorise()
        assert (intent["status"], intent["amount_capturable"], intent["amount_received"]) == (
            "requires_capture",
            1000,
            0,
        )
        assert intent["currency"] == "usd" and intent["metadata"] == {"order_id": "ord_1"}
        card = intent["latest_charge"]["payment_method_details"]["card"]
        assert card["capture_before"] == intent["created"] + WEEK
        assert card["multicapture"] == {"status": "available"}

    scenario(work)


@pytest.mark.parametrize(
    ("method", "code", "decline_code"),
    [
        ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ],
)
def test_test_cards_decline_as_stripe_documents_and_the_refusal_is_replayed(
    method: str, code: str, decline_code: str
) -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        first = await psp.post("/v1/payment_intents", {**CARD, "payment_method": method}, "a1")
        assert first.status_code == 402
        error = error_of(first)
        assert (error["type"], error["code"], error["decline_code"]) == ("card_error", code, decline_code)
        assert error["payment_intent"]["status"] == "requires_payment_method"
        again = await psp.post("/v1/payment_intents", {**CARD, "payment_method": method}, "a1")
        assert (again.status_code, again.json()) == (402, first.json())
        assert again.headers["Idempotent-Replayed"] == "true"
        assert len((await psp.control("/_records"))["payment_intents"]) == 1

    scenario(work)


def test_a_key_replays_its_first_answer_and_refuses_other_parameters_or_endpoints() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        first = await psp.authorise("k")
        assert await psp.authorise("k") == first
        other = await psp.post("/v1/payment_intents", {**CARD, "amount": "999"}, "k")
        assert other.status_code == 400 and error_of(other)["type"] == "idempotency_error"
        elsewhere = await psp.refund(first["id"], 1, "k")
        assert elsewhere.status_code == 400 and error_of(elsewhere)["type"] == "idempotency_error"
        assert len((await psp.control("/_records"))["payment_intents"]) == 1
        stats = await psp.control("/_stats")
        assert stats["create_intent"]["keys"] == {"k": 3} and stats["create_intent"]["recorded"] == 1

    scenario(work)


def test_bad_parameters_are_not_kept_under_the_key() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        bad = await psp.post("/v1/payment_intents", {k: v for k, v in CARD.items() if k != "amount"}, "k")
        assert bad.status_code == 400
        assert (error_of(bad)["code"], error_of(bad)["param"]) == ("parameter_missing", "amount")
        assert (await psp.authorise("k"))["status"] == "requires_capture"

    scenario(work)


def test_multicapture_captures_in_parts_until_the_final_one() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        intent = (await psp.authorise())["id"]
        for n, (amount, capturable) in enumerate([(200, 800), (300, 500)]):
            part = (await psp.capture(intent, amount, final=False, key=f"c{n}")).json()
            assert (part["status"], part["amount_capturable"]) == ("requires_capture", capturable)
        too_much = await psp.capture(intent, 501, final=False, key="c-big")
        assert too_much.status_code == 400
        assert (error_of(too_much)["code"], error_of(too_much)["param"]) == ("amount_too_large", "amount_to_capture")
        last = (await psp.capture(intent, 100, final=True, key="c-last")).json()
        assert (last["status"], last["amount_capturable"], last["amount_received"]) == ("succeeded", 0, 600)
        after = await psp.capture(intent, 1, final=True, key="c-after")
        assert error_of(after)["code"] == "payment_intent_unexpected_state"

    scenario(work)


def test_without_multicapture_a_partial_capture_is_final() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        intent = (await psp.authorise(**{"payment_method_options[card][request_multicapture]": "never"}))["id"]
        part = (await psp.capture(intent, 400, final=False, key="c")).json()
        assert (part["status"], part["amount_capturable"], part["amount_received"]) == ("succeeded", 0, 400)

    scenario(work)


def test_a_lapsed_authorisation_cannot_be_captured_and_is_canceled() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        untouched = (await psp.authorise("a1"))["id"]
        partial = (await psp.authorise("a2"))["id"]
        assert (await psp.capture(partial, 300, final=False, key="c1")).status_code == 200
        await psp.control("/_clock", {"advance_s": WEEK + 1})
        late = await psp.capture(untouched, 100, final=True, key="c2")
        assert (late.status_code, error_of(late)["code"]) == (400, "charge_expired_for_capture")
        records = {i["id"]: i for i in (await psp.control("/_records"))["payment_intents"]}
        assert records[untouched]["status"] == "canceled" and records[untouched]["amount_capturable"] == 0
        # Multicapture: a partly captured intent ends succeeded with what it captured.
        assert (records[partial]["status"], records[partial]["amount_received"]) == ("succeeded", 300)

    scenario(work, auth_window_s=WEEK)


def test_refunds_give_back_captured_money_only() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        intent = (await psp.authorise())["id"]
        uncaptured = await psp.refund(intent, 100, "r0")
        assert uncaptured.status_code == 400
        await psp.capture(intent, 600, final=False, key="c1")
        refund = await psp.refund(intent, 250, "r1")
        assert refund.status_code == 200
        assert (refund.json()["object"], refund.json()["status"], refund.json()["amount"]) == (
            "refund",
            "succeeded",
            250,
        )
        over = await psp.refund(intent, 351, "r2")
        assert (over.status_code, error_of(over)["code"], error_of(over)["param"]) == (
            400,
            "amount_too_large",
            "amount",
        )
        assert error_of(over)["message"] == "Refund amount ($3.51) is greater than unrefunded amount on charge ($3.50)"
        assert (await psp.refund(intent, 350, "r3")).status_code == 200
        done = await psp.refund(intent, 1, "r4")
        assert error_of(done)["code"] == "charge_already_refunded"
        [held] = (await psp.control("/_records"))["payment_intents"]
        assert (held["amount_received"], held["amount_refunded"]) == (600, 600)

    scenario(work)


def test_cancel_releases_the_rest_and_is_refused_once_succeeded() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        intent = (await psp.authorise("a1"))["id"]
        canceled = (await psp.post(f"/v1/payment_intents/{intent}/cancel", {}, "v1")).json()
        assert (canceled["status"], canceled["amount_capturable"]) == ("canceled", 0)
        done = (await psp.authorise("a2"))["id"]
        await psp.capture(done, 1000, final=True, key="c")
        refused = await psp.post(f"/v1/payment_intents/{done}/cancel", {}, "v2")
        assert (refused.status_code, error_of(refused)["code"]) == (400, "payment_intent_unexpected_state")

    scenario(work)


def test_injected_faults_answer_in_stripes_shape_and_are_not_kept_under_the_key() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        await psp.control("/_faults", {"operation": "create_intent", "fail_first": 1, "status": 500})
        failed = await psp.post("/v1/payment_intents", CARD, "k")
        assert (failed.status_code, error_of(failed)["type"]) == (500, "api_error")
        assert (await psp.authorise("k"))["status"] == "requires_capture"
        await psp.control("/_faults", {"operation": "create_intent", "fail_first": 1, "status": 429, "retry_after": 2})
        throttled = await psp.post("/v1/payment_intents", CARD, "k2")
        assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "2")
        assert error_of(throttled)["code"] == "rate_limit"
        await psp.control("/_faults", {"operation": "*", "down": True})
        assert (await psp.post("/v1/refunds", {}, "k3")).status_code == 503
        stats = await psp.control("/_stats")
        assert stats["create_intent"]["faulted"] == 2 and stats["refund"]["faulted"] == 1

    scenario(work)


def test_events_are_signed_verifiable_and_tell_each_change() -> None:
    async def work(psp: Psp, inbox: Inbox) -> list[str]:
        intent = (await psp.authorise())["id"]
        await psp.capture(intent, 1000, final=True, key="c")
        await psp.refund(intent, 400, "r")
        deliveries = await inbox.wait_for(6)
        kinds = []
        for body, header in deliveries:
            verify_signature(body, header, DEFAULT_WEBHOOK_SECRET, now=time.time())
            event = parse_event(body)
            assert event.intent_id == intent
            # A refund's metadata is its own (none was sent here); the intent's and charge's carry the order.
            assert event.order_id == (None if event.object_type == "refund" else "ord_1")
            kinds.append(event.type)
        return kinds

    assert scenario(work) == [
        "payment_intent.amount_capturable_updated",
        "payment_intent.amount_capturable_updated",
        "charge.captured",
        "payment_intent.succeeded",
        "refund.created",
        "charge.refunded",
    ]


def test_duplicate_webhooks_deliver_each_event_twice() -> None:
    async def work(psp: Psp, inbox: Inbox) -> None:
        await psp.control("/_faults", {"operation": "*", "duplicate_webhooks": True})
        await psp.authorise()
        first, second = await inbox.wait_for(2)
        assert parse_event(first[0]).event_id == parse_event(second[0]).event_id
        assert (await psp.control("/_stats"))["webhooks"]["delivered"] == 2

    scenario(work)


def test_reset_forgets_intents_keys_and_the_clock() -> None:
    async def work(psp: Psp, _: Inbox) -> None:
        first = await psp.authorise("k")
        await psp.control("/_clock", {"advance_s": 10})
        await psp.control("/_reset", {})
        assert (await psp.control("/_records"))["payment_intents"] == []
        assert (await psp.authorise("k", amount="5"))["amount"] == 5  # the key is free again
        assert first["amount"] == 1000

    scenario(work)
