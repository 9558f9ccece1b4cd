"""DESADV, the despatch advice we send an EDIFACT partner when its order ships (as the X12 856).

BGM 351 with the shipment's number, DTM 137 (document date) and 11 (despatched), RFF ON (the
buyer's order number) and CN (the carrier's tracking number), NAD BY, DP (or ST) and SU by the ids
the buyer used, then one consignment: CPS 1 with PAC (one package) and GIN BJ (its SSCC) when
there is one, and per line shipped LIN (the buyer's line number and item), QTY 12 (despatched, in
our units), closed by CNT 2 (the number of lines). Pure: the caller gives the facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pydifact.segments import Segment

from overture.channels.edifact.facts import OrderFacts
from overture.channels.edifact.writer import Draft, date, identifier, number

DOCUMENT = "351"  # BGM 1001: despatch advice
UNIT = "PCE"  # our units: pieces


@dataclass(frozen=True, slots=True)
class Despatch:
    number: str  # the shipment's id: the DESADV's number
    shipped_at: dt.datetime
    tracking_number: str
    lines: Sequence[tuple[int, int]]  # our line number, units shipped
    sscc: str = ""  # the package's SSCC-18, when we have a GS1 prefix


def despatch_advice(facts: OrderFacts, despatch: Despatch, issued: dt.date) -> Draft:
    style = facts.style
    body = [
        Segment("BGM", DOCUMENT, despatch.number[:35], "9"),
        Segment("DTM", date(issued, "137")),
        Segment("DTM", date(despatch.shipped_at.date(), "11")),
        Segment("RFF", ["ON", facts.po_number[:35]]),
    ]
    if despatch.tracking_number:
        body.append(Segment("RFF", ["CN", despatch.tracking_number[:35]]))
    body += parties(facts, ("BY", "DP", "ST", "SU"))
    body += [Segment("CPS", "1"), Segment("PAC", "1")]
    if despatch.sscc:
        body.append(Segment("GIN", "BJ", despatch.sscc))
    for line_no, units in despatch.lines:
        buyer = facts.buyer_line(line_no)
        body.append(Segment("LIN", buyer.line_no, "", [buyer.item or _sku(facts, line_no), buyer.item_type or "SA"]))
        body.append(Segment("QTY", ["12", number(units, style), UNIT]))
    body.append(Segment("CNT", ["2", str(len(despatch.lines))]))
    return Draft(identifier("DESADV", style), body)


def parties(facts: OrderFacts, qualifiers: Sequence[str]) -> list[Segment]:
    """NADs by id for the parties the buyer named (DP and ST: whichever it used, DP first)."""
    found = []
    for qualifier in qualifiers:
        party = facts.parties.get(qualifier)
        if party is None or (qualifier == "ST" and "DP" in facts.parties):
            continue
        found.append(Segment("NAD", qualifier, [party.id, "", party.agency] if party.agency else [party.id]))
    return found


def _sku(facts: OrderFacts, line_no: int) -> str:
    return next((x.sku for x in facts.order.lines if x.line_no == line_no), str(line_no))
