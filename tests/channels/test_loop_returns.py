"""Loop Returns' Return webhook -> RequestReturn, on bodies built to Loop's documented shape
(fixtures/loop/PROVENANCE.md): reasons, outcomes, the order's Shopify id or name, and each bad field named."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from overture.channels import loop_returns
from overture.channels.signatures import InvalidSignature, sign, verify
from overture.domain.returns import ReturnLineRequest, ReturnReason, Settlement
from overture.services.errors import ErrorCode, PayloadError

FIXTURES = Path(__file__).parent / "fixtures" / "loop"


def _raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _doc(name: str = "return_created.json") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_raw(name))
    return document


def _errors(document: dict[str, Any]) -> list[tuple[str, ErrorCode]]:
    with pytest.raises(PayloadError) as caught:
        loop_returns.translate(json.dumps(document).encode())
    return [(e.field, e.code) for e in caught.value.errors]


def test_a_created_return_names_the_shopify_order_and_each_unit_with_its_reason() -> None:
    command = loop_returns.translate(_raw("return_created.json"))
    assert (command.channel, command.external_id, command.settlement) == ("loop", "1673", Settlement.REFUND)
    assert (command.order_external_id, command.order_channel, command.order_id) == ("5840012345678", "shopify", None)
    assert command.actor == "loop" and "#1042" in command.note
    assert command.lines == (
        ReturnLineRequest(
            1,
            ReturnReason.SIZE_OR_FIT,
            sku="TSHIRT-BLK-M",
            note="Loop reason: Too small / Size; customer: Runs a size small",
        ),
        # No keyword of ours in either words: other, with Loop's words kept.
        ReturnLineRequest(
            1, ReturnReason.OTHER, sku="TSHIRT-BLK-M", note="Loop reason: Seams came apart in the wash / Quality"
        ),
    )


def test_an_exchange_takes_the_replacement_variants_sku_and_price() -> None:
    command = loop_returns.translate(_raw("return_created_exchange.json"))
    assert command.settlement is Settlement.EXCHANGE and command.external_id == "1674"
    (line,) = command.lines
    assert (line.sku, line.exchange_sku, line.exchange_unit_price) == ("TSHIRT-BLK-M", "TSHIRT-BLK-L", Decimal("25.00"))


@pytest.mark.parametrize(
    ("outcome", "settlement"),
    [("refund", Settlement.REFUND), ("credit", Settlement.STORE_CREDIT), ("Gift_Card", Settlement.STORE_CREDIT)],
)
def test_outcomes_map_to_settlements(outcome: str, settlement: Settlement) -> None:
    document = _doc()
    for item in document["line_items"]:
        item["outcome"] = outcome
    assert loop_returns.translate(json.dumps(document).encode()).settlement is settlement


@pytest.mark.parametrize(
    ("reason", "parent", "ours"),
    [
        ("Item arrived damaged", None, ReturnReason.DAMAGED),
        ("Stopped working", "Defective", ReturnReason.DEFECTIVE),
        ("Received the wrong item", None, ReturnReason.WRONG_ITEM),
        ("Not as described", "Quality", ReturnReason.NOT_AS_DESCRIBED),
        ("Changed my mind", None, ReturnReason.NO_LONGER_NEEDED),
        ("Arrived late", None, ReturnReason.ARRIVED_LATE),
        (None, None, ReturnReason.OTHER),
    ],
)
def test_the_merchants_reasons_map_by_keyword(reason: str | None, parent: str | None, ours: ReturnReason) -> None:
    assert loop_returns.reason_of(reason, parent)[0] is ours


def test_without_the_shopify_id_the_order_name_finds_the_order() -> None:
    document = _doc()
    del document["provider_order_id"]
    command = loop_returns.translate(json.dumps(document).encode())
    assert (command.order_external_id, command.order_channel) == ("#1042", "shopify")


def test_a_numeric_return_id_reads_as_text() -> None:
    document = _doc()
    document["id"] = 1673
    assert loop_returns.translate(json.dumps(document).encode()).external_id == "1673"


def test_each_unreadable_field_is_named() -> None:
    document = _doc()
    del document["line_items"][0]["sku"]
    document["line_items"][1]["quantity"] = 0
    assert _errors(document) == [
        ("line_items[0].sku", ErrorCode.REQUIRED),
        ("line_items[1].quantity", ErrorCode.OUT_OF_RANGE),
    ]


def test_an_unknown_outcome_or_mixed_outcomes_are_refused_naming_the_line() -> None:
    document = _doc()
    document["line_items"][0]["outcome"] = "donate"
    assert _errors(document) == [("line_items[0].outcome", ErrorCode.INVALID_VALUE)]
    document["line_items"][0]["outcome"] = "exchange"
    assert _errors(document) == [("line_items[1].outcome", ErrorCode.INVALID_VALUE)]


def test_a_return_naming_no_order_is_refused() -> None:
    document = _doc()
    del document["provider_order_id"]
    document["order_name"] = " "
    assert _errors(document) == [("provider_order_id", ErrorCode.REQUIRED)]


def test_no_line_items_and_bad_json_are_payload_errors() -> None:
    document = _doc()
    document["line_items"] = []
    assert _errors(document) == [("line_items", ErrorCode.INVALID_LENGTH)]
    with pytest.raises(PayloadError) as caught:
        loop_returns.translate(b"{not json")
    assert caught.value.kind is ErrorCode.MALFORMED_JSON


@pytest.mark.parametrize(
    ("name", "trigger"),
    [
        ("return_created.json", "return.created"),
        ("return_updated.json", "return.updated"),
        ("return_closed.json", "return.closed"),
    ],
)
def test_every_trigger_is_described_by_its_return_id(name: str, trigger: str) -> None:
    event = loop_returns.describe(_raw(name))
    assert (event.trigger, event.return_id) == (trigger, "1673")


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    body = _raw("return_created.json")
    signature = sign("loop-secret", body)
    verify(body, signature=signature, secret="loop-secret")
    with pytest.raises(InvalidSignature):
        verify(body.replace(b"1673", b"1675"), signature=signature, secret="loop-secret")
