"""Finding NUL in whatever a channel translated, by the path a sender would recognise."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from overture.services.characters import nul_errors, nul_fields, refusing_nul
from overture.services.errors import ErrorCode, PayloadError


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Order:
    external_id: str
    lines: tuple[Line, ...]
    attributes: dict[str, str] = field(default_factory=dict)


def test_every_string_holding_nul_is_named_by_its_path() -> None:
    order = Order("PO\x00-1", (Line("A", 1), Line("B\x00", 2)), {"gift\x00": "yes", "note": "ring\x00twice"})

    assert list(nul_fields(order)) == ["external_id", "lines[1].sku", "attributes.gift\x00", "attributes.note"]
    # The field named in the answer (and stored with it) cannot hold the NUL itself.
    assert [e.field for e in nul_errors(order)][2] == "attributes.gift\\0"
    assert {e.code for e in nul_errors(order)} == {ErrorCode.INVALID_CHARACTER}


def test_other_control_characters_and_clean_orders_pass() -> None:
    assert list(nul_fields(Order("PO\t\x01\x7f-1", (Line("\u2028", 1),)))) == []


def test_a_translation_holding_nul_is_refused_as_a_payload_error() -> None:
    translate = refusing_nul(lambda body: Order(body.decode(), ()))

    assert translate(b"PO-1") == Order("PO-1", ())
    with pytest.raises(PayloadError) as refused:
        translate(b"PO\x00")
    assert refused.value.kind is ErrorCode.VALIDATION_FAILED
    assert [e.field for e in refused.value.errors] == ["external_id"]
