"""ORDRSP, the purchase order response: written with pydifact, read back with our own reader.

Per order: BGM 231 with our response number and the response type (29 accepted without
amendment, 4 change, 27 not accepted), DTM 137, RFF ON (the buyer's order number), NAD BY and
SU, then per line LIN with its action (5 accepted, 3 changed, 7 not accepted), QTY 21 (ordered)
and QTY 113 (what we will deliver) when it differs, DTM 69 (delivery promised for) when known,
and UNS and CNT 2 to close. Several responses go in one interchange, one message each.

``writer.write`` writes it with pydifact (UNA, UNB, UNH/UNT with the segment count, UNZ with the
message count, release-character escaping) in the partner's style (D:96A and UNOC:3 with the
default service characters unless told otherwise), reads it back with our reader and pydifact's,
and refuses to hand out an interchange that fails our own checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pydifact.segments import Segment

from overture.channels.edifact.envelope import Message as ReadMessage
from overture.channels.edifact.orders import number
from overture.channels.edifact.schema import DATE_FORMATS, parse_date
from overture.channels.edifact.writer import DEFAULT_STYLE, Draft, Envelope, NotWritten, Style, identifier, write

__all__ = ["Envelope"]  # the envelope is the writer's; importers of ordrsp find it here too


class ResponseType(StrEnum):
    """BGM 1225 message function in an ORDRSP."""

    ACCEPTED = "29"  # accepted without amendment
    CHANGED = "4"  # change
    NOT_ACCEPTED = "27"  # not accepted


class LineAction(StrEnum):
    """LIN 1229 action request/notification."""

    ACCEPTED = "5"  # accepted without amendment
    CHANGED = "3"  # changed
    NOT_ACCEPTED = "7"  # not accepted


@dataclass(frozen=True, slots=True)
class PartyId:
    id: str
    agency: str = ""  # C082 3055: 9 = GS1 (a GLN), 91 assigned by the supplier, 92 by the buyer


@dataclass(frozen=True, slots=True)
class ResponseLine:
    line_no: str  # the buyer's LIN number, echoed
    item: str  # the product id as the buyer sent it
    item_type: str  # its type: SA, EN, IN, BP, ...
    action: str  # LineAction for what we write; as found for what we read
    ordered: Decimal | None  # QTY 21
    confirmed: Decimal | None  # QTY 113, written only when it differs from the ordered quantity
    delivery_date: dt.date | None = None  # DTM 69


@dataclass(frozen=True, slots=True)
class OrderResponse:
    number: str  # our response's document number (BGM 1004)
    po_number: str  # the buyer's order number (RFF ON)
    response: str  # ResponseType for what we write; as found for what we read
    issued: dt.date | None  # DTM 137
    buyer: PartyId | None
    supplier: PartyId | None
    lines: tuple[ResponseLine, ...]


class OrdrspRefused(Exception):
    """An ORDRSP we built fails our own checks: a bug on our side, never sent."""


def response_type(actions: Sequence[str]) -> ResponseType:
    """All lines accepted: 29; none: 27; anything else: 4 (change)."""
    if all(a == LineAction.ACCEPTED for a in actions):
        return ResponseType.ACCEPTED
    if actions and all(a == LineAction.NOT_ACCEPTED for a in actions):
        return ResponseType.NOT_ACCEPTED
    return ResponseType.CHANGED


def write_interchange(envelope: Envelope, responses: Sequence[OrderResponse], style: Style = DEFAULT_STYLE) -> str:
    """One interchange holding one ORDRSP message per response, in the partner's style (syntax,
    service characters, release), checked by reading it back (``writer.write``)."""
    prepared = envelope.prepared.date()
    drafts = [Draft(identifier("ORDRSP", style), _segments(response, prepared)) for response in responses]
    try:
        return write(envelope, drafts, style)
    except NotWritten as error:
        raise OrdrspRefused(str(error)) from error


def _segments(response: OrderResponse, prepared: dt.date) -> list[Segment]:
    segments = [
        Segment("BGM", "231", response.number, response.response),
        Segment("DTM", ["137", (response.issued or prepared).strftime("%Y%m%d"), "102"]),
        Segment("RFF", ["ON", response.po_number]),
    ]
    for qualifier, party in (("BY", response.buyer), ("SU", response.supplier)):
        if party is not None:
            segments.append(Segment("NAD", qualifier, [party.id, "", party.agency] if party.agency else party.id))
    for line in response.lines:
        segments += _line_segments(line)
    segments += [Segment("UNS", "S"), Segment("CNT", ["2", str(len(response.lines))])]
    return segments


def _line_segments(line: ResponseLine) -> list[Segment]:
    segments = [Segment("LIN", line.line_no, line.action, [line.item, line.item_type])]
    if line.ordered is not None:
        segments.append(Segment("QTY", ["21", _plain(line.ordered)]))
    if line.confirmed is not None and line.confirmed != line.ordered:
        segments.append(Segment("QTY", ["113", _plain(line.confirmed)]))
    if line.delivery_date is not None:
        segments.append(Segment("DTM", ["69", line.delivery_date.strftime("%Y%m%d"), "102"]))
    return segments


def _plain(quantity: Decimal) -> str:
    # EDIFACT numbers have no exponent and no trailing zeros after the mark.
    text = format(quantity, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def read_order_response(message: ReadMessage) -> OrderResponse:
    """The content of an ORDRSP, ours or a partner's (fields it lacks are empty)."""
    body = message.body
    bgm = next((s for s in body if s.tag == "BGM"), None)
    issued = next((_date(s.get(1, 2), s.get(1, 3)) for s in body if s.tag == "DTM" and s.get(1, 1) == "137"), None)
    order = next((s.get(1, 2) for s in body if s.tag == "RFF" and s.get(1, 1) == "ON"), "")
    parties = {s.get(1): PartyId(s.get(2, 1), s.get(2, 3)) for s in body if s.tag == "NAD" and s.get(2, 1)}
    return OrderResponse(
        number=bgm.get(2) if bgm else "",
        po_number=order,
        response=bgm.get(3) if bgm else "",
        issued=issued,
        buyer=parties.get("BY"),
        supplier=parties.get("SU"),
        lines=tuple(_read_lines(message)),
    )


def _read_lines(message: ReadMessage) -> list[ResponseLine]:
    lines: list[dict[str, object]] = []
    for s in message.body:
        if s.tag == "LIN":
            lines.append({"line_no": s.get(1), "item": s.get(3, 1), "item_type": s.get(3, 2), "action": s.get(2)})
        elif s.tag == "UNS":
            break
        elif lines and s.tag == "QTY" and s.get(1, 1) in ("21", "113"):
            lines[-1].setdefault("ordered" if s.get(1, 1) == "21" else "confirmed", number(s.get(1, 2)))
        elif lines and s.tag == "DTM" and s.get(1, 1) == "69":
            lines[-1].setdefault("delivery_date", _date(s.get(1, 2), s.get(1, 3)))
    return [_line(fields) for fields in lines]


def _line(fields: dict[str, object]) -> ResponseLine:
    ordered = fields.get("ordered")
    confirmed = fields.get("confirmed", ordered)
    delivery = fields.get("delivery_date")
    return ResponseLine(
        line_no=str(fields["line_no"]),
        item=str(fields["item"]),
        item_type=str(fields["item_type"]),
        action=str(fields["action"]),
        ordered=ordered if isinstance(ordered, Decimal) else None,
        confirmed=confirmed if isinstance(confirmed, Decimal) else None,
        delivery_date=delivery if isinstance(delivery, dt.date) else None,
    )


def _date(value: str, code: str) -> dt.date | None:
    parsed = parse_date(value, DATE_FORMATS.get(code or "102", ""))
    return parsed.date() if parsed else None
