"""Stripe webhook Events: the Stripe-Signature check (good, bad, stale, malformed) and the translation to PspEvent,
against the objects Stripe's API reference prints (fixtures/stripe/PROVENANCE.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from overture.channels.signatures import InvalidSignature
from overture.channels.stripe_events import SignatureError, parse_event, signature_header, verify_signature
from overture.services.errors import PayloadError

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"
SECRET = "whsec_test_secret"
NOW = 1_700_000_000


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def event_of(kind: str, obj: dict[str, Any]) -> bytes:
    envelope = fixture("event_setup_intent_created.json")
    envelope["type"] = kind
    envelope["data"] = {"object": obj}
    return json.dumps(envelope).encode()


PAYLOAD = event_of("payment_intent.succeeded", fixture("payment_intent_captured.json"))


def test_a_signature_made_with_the_secret_verifies() -> None:
    verify_signature(PAYLOAD, signature_header(PAYLOAD, SECRET, timestamp=NOW), SECRET, now=NOW + 10)


def test_any_v1_among_several_may_match_and_other_schemes_are_ignored() -> None:
    good = signature_header(PAYLOAD, SECRET, timestamp=NOW).split(",")[1]
    header = f"t={NOW},v1={'0' * 64},{good},v0=deadbeef"
    verify_signature(PAYLOAD, header, SECRET, now=NOW)


@pytest.mark.parametrize(
    ("header", "secret", "now", "reason"),
    [
        ("", SECRET, NOW, "header is missing"),
        (f"t={NOW}", SECRET, NOW, "no v1 signature"),
        ("v1=abc", SECRET, NOW, "numeric timestamp"),
        (f"t=soon,v1={'0' * 64}", SECRET, NOW, "numeric timestamp"),
        (f"t={NOW},v1={'0' * 64}", SECRET, NOW, "matches the payload"),
        ("SIGNED", "", NOW, "no Stripe webhook signing secret"),
    ],
)
def test_a_bad_header_names_its_reason(header: str, secret: str, now: int, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify_signature(PAYLOAD, header, secret, now=now)


def test_a_signature_under_another_secret_or_over_another_body_fails() -> None:
    header = signature_header(PAYLOAD, "whsec_other", timestamp=NOW)
    with pytest.raises(SignatureError, match="matches the payload"):
        verify_signature(PAYLOAD, header, SECRET, now=NOW)
    with pytest.raises(SignatureError, match="matches the payload"):
        verify_signature(PAYLOAD + b" ", signature_header(PAYLOAD, SECRET, timestamp=NOW), SECRET, now=NOW)


def test_a_stale_or_future_timestamp_is_refused_unless_tolerance_is_off() -> None:
    header = signature_header(PAYLOAD, SECRET, timestamp=NOW)
    with pytest.raises(SignatureError, match="more than 300s from now"):
        verify_signature(PAYLOAD, header, SECRET, now=NOW + 301)
    with pytest.raises(SignatureError, match="more than 60s"):
        verify_signature(PAYLOAD, header, SECRET, now=NOW - 61, tolerance_s=60)
    verify_signature(PAYLOAD, header, SECRET, now=NOW + 10**6, tolerance_s=0)


def test_signature_errors_are_the_channels_invalid_signature() -> None:
    # The webhook routers already answer InvalidSignature with 401; a Stripe route can do the same.
    with pytest.raises(InvalidSignature):
        verify_signature(PAYLOAD, "", SECRET, now=NOW)


def test_a_payment_intent_event_carries_the_intent_and_its_amounts() -> None:
    event = parse_event(PAYLOAD)
    assert event.event_id == "evt_1NG8Du2eZvKYlo2CUI79vXWy"
    assert event.type == "payment_intent.succeeded"
    assert event.created == datetime.fromtimestamp(1686089970, UTC)
    assert event.object_type == "payment_intent"
    assert event.intent_id == "pi_3MrPBM2eZvKYlo2C1TEMacFD"
    assert (event.amount, event.amount_capturable, event.amount_received) == (1000, 0, 1000)
    assert event.currency == "USD"
    assert event.refund_id is None


def test_a_refund_event_carries_the_refund_and_its_intent() -> None:
    event = parse_event(event_of("refund.created", fixture("refund_created.json")))
    assert (event.refund_id, event.intent_id, event.amount) == (
        "re_1Nispe2eZvKYlo2Cd31jOCgZ",
        "pi_1GszsK2eZvKYlo2CfhZyoZLp",
        1000,
    )


def test_a_charge_event_carries_its_payment_intent_and_refunded_amount() -> None:
    charge = {"id": "ch_1", "object": "charge", "amount": 1000, "amount_refunded": 300, "currency": "eur",
              "payment_intent": "pi_1", "metadata": {"order_id": "ord_1"}}  # fmt: skip
    event = parse_event(event_of("charge.refunded", charge))
    assert (event.intent_id, event.amount_refunded, event.currency, event.order_id) == ("pi_1", 300, "EUR", "ord_1")


def test_other_objects_keep_only_the_envelope() -> None:
    event = parse_event(json.dumps(fixture("event_setup_intent_created.json")).encode())
    assert (event.type, event.object_type, event.intent_id) == ("setup_intent.created", "setup_intent", None)


def fields_of(payload: bytes) -> list[str]:
    with pytest.raises(PayloadError) as caught:
        parse_event(payload)
    return [e.field for e in caught.value.errors]


def test_parse_errors_name_the_envelope_field() -> None:
    envelope = fixture("event_setup_intent_created.json")
    del envelope["id"]
    envelope["created"] = "yesterday"
    assert fields_of(json.dumps(envelope).encode()) == ["id", "created"]
    assert fields_of(b"not json") == ["body"]


def test_parse_errors_name_the_object_field() -> None:
    intent = fixture("payment_intent_captured.json")
    del intent["amount_received"]
    intent["amount"] = "10.00"
    assert sorted(fields_of(event_of("payment_intent.succeeded", intent))) == [
        "data.object.amount",
        "data.object.amount_received",
    ]
    assert fields_of(event_of("payment_intent.succeeded", {"id": "pi_1"})) == ["data.object.object"]
