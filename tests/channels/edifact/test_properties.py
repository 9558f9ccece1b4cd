"""Property tests: every ORDRSP we write reads back to the same data and passes our checks; any
service characters read back what they wrote; no mutation of a file makes the reader raise anything
but its own typed error."""

from __future__ import annotations

import contextlib
import datetime as dt
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError

from overture.channels.edifact.checks import Verdict, check_document
from overture.channels.edifact.envelope import read
from overture.channels.edifact.errors import EdifactError
from overture.channels.edifact.mapping import to_command
from overture.channels.edifact.orders import read_purchase_order
from overture.channels.edifact.ordrsp import (
    Envelope,
    LineAction,
    OrderResponse,
    PartyId,
    ResponseLine,
    ResponseType,
    read_order_response,
    write_interchange,
)
from overture.channels.edifact.syntax import Segment, read_chunks, to_text
from overture.domain.partners import PartnerProfile
from overture.services.errors import PayloadError
from tests.channels.edifact.fixtures import ORDERS_96A, ORDERS_OTHER_UNA, SENDER

# Service characters and the release character come up often: they are what escaping is for.
TEXT = string.ascii_letters + string.digits + " .,-/#&()%@!" + ":+'?=*~" + "éüß"
values = st.text(alphabet=TEXT, max_size=12)
ids = st.text(alphabet=TEXT, min_size=1, max_size=12)
quantities = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


@st.composite
def response_lines(draw: st.DrawFn) -> ResponseLine:
    ordered = draw(st.none() | quantities)
    # We write QTY 113 only when it differs from QTY 21: without it, what we deliver is what was ordered.
    confirmed = draw(quantities) if ordered is not None else draw(st.none() | quantities)
    return ResponseLine(
        line_no=draw(values),
        item=draw(values),
        item_type=draw(st.sampled_from(["SA", "EN", "IN", "BP", ""])),
        action=draw(st.sampled_from(list(LineAction))),
        ordered=ordered,
        confirmed=confirmed,
        delivery_date=draw(st.none() | dates),
    )


responses = st.builds(
    OrderResponse,
    number=ids,
    po_number=values,
    response=st.sampled_from(list(ResponseType)),
    issued=dates,
    buyer=st.none() | st.builds(PartyId, ids, st.sampled_from(["", "9", "92"])),
    supplier=st.none() | st.builds(PartyId, ids, st.sampled_from(["", "9", "91"])),
    lines=st.lists(response_lines(), max_size=5).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(responses, min_size=1, max_size=3), control=st.integers(1, 10**9))
def test_every_ordrsp_we_write_passes_our_checks_and_reads_back_the_same(
    batch: list[OrderResponse], control: int
) -> None:
    envelope = Envelope(("OVERTURE", "ZZZ"), (SENDER, "14"), str(control), dt.datetime(2026, 11, 23, 9, 30))

    document = read(write_interchange(envelope, batch))

    assert document.all_problems() == []
    checked = check_document(document)
    assert all(c.verdict is Verdict.ACCEPTED and c.supported for c in checked)
    assert [read_order_response(c.message) for c in checked] == batch


def _advice(chars: list[str]) -> str:
    component, data, release, terminator = chars
    return component + data + "." + release + " " + terminator


tags = st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3).filter(lambda t: t not in {"UNA", "UNB"})
components = st.lists(values, min_size=1, max_size=4).map(tuple)
segments = st.builds(lambda tag, elements: (tag, tuple(elements)), tags, st.lists(components, min_size=1, max_size=5))


@settings(max_examples=200, deadline=None)
@given(
    service=st.lists(st.sampled_from(list(":+?'=*~|^!")), min_size=4, max_size=4, unique=True),
    body=st.lists(segments, min_size=1, max_size=6),
)
def test_any_service_characters_read_back_what_was_written(
    service: list[str], body: list[tuple[str, tuple[tuple[str, ...], ...]]]
) -> None:
    characters = Characters.from_str(_advice(service))
    written = [Segment("UNB", (("UNOC", "3"),), 0), *(Segment(tag, elements, 0) for tag, elements in body)]

    (chunk,) = read_chunks(to_text(written, characters))

    assert str(chunk.characters) == _advice(service)
    # A trailing empty component or element is not there to read: EDIFACT omits them.
    assert [(s.tag, _trimmed(s.elements)) for s in chunk.segments] == [(s.tag, _trimmed(s.elements)) for s in written]


def _trimmed(elements: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    kept = [tuple(c) for c in elements]
    kept = [c[: max((i + 1 for i, v in enumerate(c) if v), default=0)] or ("",) for c in kept]
    while kept and kept[-1] == ("",):
        kept.pop()
    return tuple(kept)


# Bytes that matter to EDIFACT (service characters, envelope letters, digits) come up more often.
interesting = st.sampled_from(list(b":+.?' '=*~\n\r\t\x00UNABHTZGE0123456789")) | st.integers(0, 255)
mutations = st.lists(
    st.tuples(st.sampled_from(["replace", "insert", "delete"]), st.integers(0, 10_000), interesting),
    min_size=1,
    max_size=8,
)
PARTNER = PartnerProfile(SENDER, uom_factors={"CT": 12})


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from([ORDERS_96A, ORDERS_OTHER_UNA]), mutations=mutations)
def test_random_byte_mutations_raise_nothing_but_the_typed_error(
    source: str, mutations: list[tuple[str, int, int]]
) -> None:
    data = bytearray(source.encode())
    for kind, at, byte in mutations:
        at %= max(len(data), 1)
        if kind == "replace" and data:
            data[at] = byte
        elif kind == "insert":
            data.insert(at, byte)
        elif data:
            del data[at]
    try:
        document = read(bytes(data))
    except EdifactError as error:
        assert error.problem.code.value in {"no_interchange", "bad_una", "syntax_error"}
        return
    for checked in check_document(document):
        order = read_purchase_order(checked.message)
        read_order_response(checked.message)
        with contextlib.suppress(PayloadError):  # an order that cannot map is named, not a crash
            to_command(order, PARTNER, interchange_reference="1", message_reference=checked.message.reference)


def test_pydifacts_own_errors_come_out_as_ours() -> None:
    # Cut short, the fixture makes pydifact's tokenizer raise EDISyntaxError: the caller sees ours.
    with pytest.raises(EdifactError) as raised:
        read(ORDERS_96A.rstrip()[:-1])

    assert isinstance(raised.value.__cause__, EDISyntaxError)
