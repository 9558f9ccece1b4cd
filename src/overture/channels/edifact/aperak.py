"""APERAK, the application error and acknowledgement: an ORDERS that is good EDIFACT but that we
cannot act on (it cannot be mapped, a rule refuses it, it is a duplicate) is answered with one.

Per refused message: BGM 305 with our number, DTM 137, RFF ACW (the reference of the message
refused, its UNH 0062) and RFF ON (the buyer's order number), NAD MS (us, the message sender)
and MR (them, the recipient), then per reason ERC (9321) and FTX AAO with the reason in words.

9321 is a code list "user or association defined" by UNTDED; ``APPLICATION_ERRORS`` uses the
numbers of the service code list 0085 for the same conditions (12 invalid value, 13 missing,
26 duplicate, ...), so that what a partner reads in our CONTRL and our APERAK is one vocabulary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pydifact.segments import Segment

from overture.channels.edifact.writer import Draft, Envelope, Style, date, identifier, write
from overture.services.errors import ErrorCode, FieldError

DOCUMENT = "305"  # BGM 1001: application error and acknowledgement
ERROR_DESCRIPTION = "AAO"  # FTX 4451: error description (free text)
TEXT_LENGTH, TEXT_PARTS = 70, 5  # FTX C108 4440: an..70 in D:96A, five of them
E = ErrorCode
APPLICATION_ERRORS: dict[ErrorCode, str] = {
    E.REQUIRED: "13",  # missing: a product id, a quantity, a price, a ship-to address
    E.INVALID_VALUE: "12",  # invalid value: a quantity that is no whole number of units, a BGM function
    E.INVALID_COUNTRY: "12",
    E.UNKNOWN_CURRENCY: "12",
    E.INVALID_LENGTH: "12",
    E.WRONG_TYPE: "12",
    E.OUT_OF_RANGE: "12",
    E.INVALID_CHARACTER: "12",
    E.NOT_FOUND: "14",  # value not supported here: a party or product we do not know
    E.DUPLICATE_ORDER: "26",  # duplicate detected: the order was placed before
    E.REJECTED_BY_RULE: "17",  # no agreement: the partner's rules do not allow the order
}
UNSPECIFIED = "18"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A message we could not act on, and why."""

    message_reference: str  # its UNH 0062
    po_number: str  # the buyer's order number ('' if it has none)
    errors: Sequence[FieldError]


def application_error(code: ErrorCode) -> str:
    return APPLICATION_ERRORS.get(code, UNSPECIFIED)


def aperak_body(refusal: Refusal, *, number: str, issued: dt.date, us: str, them: str) -> list[Segment]:
    """One APERAK's segments; ``us`` and ``them`` are the UNB ids of the sender and the recipient."""
    segments = [Segment("BGM", DOCUMENT, number[:35], "9"), Segment("DTM", date(issued, "137"))]
    segments.append(Segment("RFF", ["ACW", refusal.message_reference]))
    if refusal.po_number:
        segments.append(Segment("RFF", ["ON", refusal.po_number[:35]]))
    segments += [Segment("NAD", "MS", [us, "", "ZZZ"]), Segment("NAD", "MR", [them])]
    for error in refusal.errors:
        segments.append(Segment("ERC", [application_error(error.code)]))
        segments.append(Segment("FTX", ERROR_DESCRIPTION, "", "", _text(f"{error.field}: {error.reason}")))
    return segments


def write_aperak(envelope: Envelope, refusals: Sequence[Refusal], style: Style, *, issued: dt.date) -> str:
    """One interchange holding an APERAK per refusal, checked by reading it back."""
    us, them = envelope.sender[0], envelope.recipient[0]
    drafts = [
        Draft(
            identifier("APERAK", style),
            aperak_body(r, number=f"{envelope.control_reference}-{n}", issued=issued, us=us, them=them),
        )
        for n, r in enumerate(refusals, start=1)
    ]
    return write(envelope, drafts, style)


def _text(reason: str) -> list[str]:
    """The reason in at most five parts of 70 characters (the last cut short if it must be)."""
    parts = [reason[i : i + TEXT_LENGTH] for i in range(0, len(reason), TEXT_LENGTH)][:TEXT_PARTS]
    return parts or ["-"]
