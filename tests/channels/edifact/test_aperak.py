"""APERAK out: an ORDERS that is good EDIFACT but that we cannot act on (it does not map, it is a
duplicate) is answered with an application error per reason; what we write passes our checks."""

from __future__ import annotations

import datetime as dt

from overture.bootstrap import Container
from overture.channels.edifact.aperak import APPLICATION_ERRORS, Refusal, write_aperak
from overture.channels.edifact.checks import Verdict, check_document
from overture.channels.edifact.directory import SCHEMAS
from overture.channels.edifact.envelope import read
from overture.channels.edifact.writer import Envelope, Style, check_written
from overture.services.errors import ErrorCode, FieldError
from tests.channels.edifact.fixtures import ORDERS_96A
from tests.channels.edifact.intake_helpers import receive, seed

ENVELOPE = Envelope(("OVERTURE", "ZZZ"), ("5412345000013", "14"), "9", dt.datetime(2026, 11, 23, 9, 32))


def _body(text: str | None) -> list[str]:
    assert text is not None
    check_written(text)
    (checked,) = check_document(read(text), schemas=SCHEMAS)
    assert (checked.message.type, checked.verdict) == ("APERAK", Verdict.ACCEPTED)
    segments = [s for s in text.split("'") if s]
    return segments[segments.index(next(s for s in segments if s.startswith("UNH"))) + 1 : -2]


def test_an_aperak_names_the_message_and_each_reason() -> None:
    reason = "the line carries no product id, and this reason is long enough to need a second part: " + "x" * 40
    refusal = Refusal(
        "M1",
        "PO-7781",
        [
            FieldError("LIN[1].C212", ErrorCode.REQUIRED, reason),
            FieldError("CUX.6345", ErrorCode.UNKNOWN_CURRENCY, "?"),
        ],
    )

    text = write_aperak(ENVELOPE, [refusal], Style(), issued=dt.date(2026, 11, 23))

    assert "UNH+1+APERAK:D:96A:UN'" in text
    body = _body(text)
    assert body[:6] == [
        "BGM+305+9-1+9",
        "DTM+137:20261123:102",
        "RFF+ACW:M1",
        "RFF+ON:PO-7781",
        "NAD+MS+OVERTURE::ZZZ",
        "NAD+MR+5412345000013",
    ]
    assert body[6] == "ERC+13"
    assert body[7].startswith("FTX+AAO+++LIN[1].C212?: the line carries")
    assert body[7].count(":") - body[7].count("?:") == 1  # two parts of 70 characters (4440 is an..70)
    assert body[8:] == ["ERC+12", "FTX+AAO+++CUX.6345?: ??"]


def test_an_orders_that_cannot_be_mapped_is_answered_with_an_aperak(container: Container) -> None:
    seed(container)
    text = ORDERS_96A.replace("CUX+2:USD:9", "CUX+2:XYZ:9")

    receipt = receive(container, text)

    (outcome,) = receipt.messages
    assert outcome.order_id is None and outcome.errors[0]["code"] == "unknown_currency"
    assert receipt.ordrsp is None
    body = _body(receipt.aperak)
    assert "RFF+ACW:1" in body and "RFF+ON:PO-7781" in body and "ERC+12" in body
    # Good EDIFACT all the same: the CONTRL acknowledges it.
    assert receipt.contrl is not None and "UCI+ICR-101+5412345000013:14+OVERTURE:ZZZ+7'" in receipt.contrl


def test_an_order_without_a_ship_to_address_is_missing_one(container: Container) -> None:
    seed(container)
    text = ORDERS_96A.replace("+Edison+NJ+08817+US'", "'")

    body = _body(receive(container, text).aperak)

    assert "ERC+13" in body and any("NAD" in s for s in body if s.startswith("FTX"))


def test_a_duplicate_order_is_answered_with_26(container: Container) -> None:
    seed(container)
    first = receive(container, ORDERS_96A)
    assert first.aperak is None

    again = receive(container, ORDERS_96A)

    assert again.messages[0].duplicate is True
    body = _body(again.aperak)
    assert "ERC+26" in body
    assert any("was placed" in s for s in body if s.startswith("FTX"))


def test_every_error_code_we_refuse_with_has_an_application_error_code() -> None:
    assert {ErrorCode.REQUIRED, ErrorCode.INVALID_VALUE, ErrorCode.DUPLICATE_ORDER} <= set(APPLICATION_ERRORS)
    assert APPLICATION_ERRORS[ErrorCode.REJECTED_BY_RULE] == "17"
