"""ORDRSP out: what we write, that our own checks pass it, and reading a partner's ORDRSP."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from overture.channels.edifact.checks import Verdict, check_document
from overture.channels.edifact.envelope import read
from overture.channels.edifact.ordrsp import (
    Envelope,
    LineAction,
    OrderResponse,
    OrdrspRefused,
    PartyId,
    ResponseLine,
    ResponseType,
    read_order_response,
    response_type,
    write_interchange,
)
from tests.conftest import SAMPLES

ENVELOPE = Envelope(("OVERTURE", "ZZZ"), ("5412345000013", "14"), "42", dt.datetime(2026, 11, 23, 9, 30))
RESPONSE = OrderResponse(
    number="ord_01",
    po_number="PO-7781",
    response=ResponseType.CHANGED,
    issued=dt.date(2026, 11, 23),
    buyer=PartyId("5412345000013", "9"),
    supplier=PartyId("5400000000003", "9"),
    lines=(
        ResponseLine("1", "ACME-001", "BP", LineAction.ACCEPTED, Decimal(2), Decimal(2), dt.date(2026, 11, 30)),
        ResponseLine("2", "0012345678905", "EN", LineAction.CHANGED, Decimal(5), Decimal(3), dt.date(2026, 11, 30)),
        ResponseLine("3", "B+1", "IN", LineAction.NOT_ACCEPTED, Decimal(1), Decimal(0)),
    ),
)


def test_an_ordrsp_is_written_segment_by_segment() -> None:
    text = write_interchange(ENVELOPE, [RESPONSE])

    assert text.split("'") == [
        "UNA:+.? ",
        "UNB+UNOC:3+OVERTURE:ZZZ+5412345000013:14+261123:0930+42",
        "UNH+1+ORDRSP:D:96A:UN",
        "BGM+231+ord_01+4",
        "DTM+137:20261123:102",
        "RFF+ON:PO-7781",
        "NAD+BY+5412345000013::9",
        "NAD+SU+5400000000003::9",
        "LIN+1+5+ACME-001:BP",
        "QTY+21:2",
        "DTM+69:20261130:102",
        "LIN+2+3+0012345678905:EN",
        "QTY+21:5",
        "QTY+113:3",
        "DTM+69:20261130:102",
        "LIN+3+7+B?+1:IN",
        "QTY+21:1",
        "QTY+113:0",
        "UNS+S",
        "CNT+2:3",
        "UNT+19+1",
        "UNZ+1+42",
        "",
    ]


def test_what_we_write_passes_our_checks_and_reads_back_the_same() -> None:
    second = replace(RESPONSE, number="ord_02", response=ResponseType.ACCEPTED, lines=RESPONSE.lines[:1])

    document = read(write_interchange(ENVELOPE, [RESPONSE, second]))

    assert document.all_problems() == []
    checked = check_document(document)
    assert [(c.message.type, c.verdict, c.supported) for c in checked] == [("ORDRSP", Verdict.ACCEPTED, True)] * 2
    assert [read_order_response(c.message) for c in checked] == [RESPONSE, second]


def test_the_response_type_follows_the_line_actions() -> None:
    accepted, changed, refused = LineAction.ACCEPTED, LineAction.CHANGED, LineAction.NOT_ACCEPTED

    assert response_type([accepted, accepted]) is ResponseType.ACCEPTED
    assert response_type([accepted, changed]) is ResponseType.CHANGED
    assert response_type([accepted, refused]) is ResponseType.CHANGED
    assert response_type([refused, refused]) is ResponseType.NOT_ACCEPTED


def test_an_ordrsp_that_fails_our_checks_is_never_handed_out() -> None:
    with pytest.raises(OrdrspRefused, match="BGM"):
        write_interchange(ENVELOPE, [replace(RESPONSE, number="")])


ORDRSP_SAMPLE = SAMPLES / "edifact" / "edinet" / "edifact.ORDRSP.edi"


@pytest.mark.skipif(not ORDRSP_SAMPLE.is_file(), reason=f"shared samples not present at {ORDRSP_SAMPLE}")
def test_the_edi_net_ordrsp_sample_is_read() -> None:
    (message,) = read(ORDRSP_SAMPLE.read_bytes()).interchanges[0].messages

    response = read_order_response(message)

    assert (response.number, response.po_number, response.response) == ("IM20U000000000CNF", "00001672", "")
    assert response.issued == dt.date(2016, 3, 21)
    assert response.lines == (ResponseLine("1", "9900010000649", "Z01", "", None, None),)
