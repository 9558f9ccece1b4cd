"""What is wrong with an interchange's ISA / IEA, as the TA1's interchange note codes (element I18).

The envelope reader (``envelope.py``) already reports a trailer that does not close its header
(IEA missing, IEA02 not ISA13, IEA01 not the groups counted) and an ISA it could not read whole;
here they become note codes, beside checks of the header's values the reader leaves alone: the
authorization and security qualifiers, sender and receiver qualifiers and ids, date, time,
standards identifier (or repetition separator), version, acknowledgment request and usage.

A note is one of two weights. Where the header itself is wrong (who sent it, to whom, in which
version, its control number or structure) the interchange is rejected (TA104 R) and nothing in
it is acted on. Where only a value or the trailer is wrong, each group is still judged on its own
(its GS / GE closes it) and the TA1 says E: accepted, errors noted.
"""

from __future__ import annotations

import datetime as dt

from overture.channels.x12.envelope import Interchange
from overture.channels.x12.errors import ProblemCode
from overture.domain.digits import is_digits

NO_ERROR = "000"
CONTROL_NUMBER_MISMATCH = "001"  # ISA13 and IEA02 do not match
INVALID_SENDER_QUALIFIER, INVALID_SENDER_ID = "005", "006"
INVALID_RECEIVER_QUALIFIER, INVALID_RECEIVER_ID = "007", "008"
INVALID_AUTHORIZATION_QUALIFIER, INVALID_SECURITY_QUALIFIER = "010", "012"
INVALID_DATE, INVALID_TIME = "014", "015"
INVALID_STANDARDS_ID, INVALID_VERSION = "016", "017"
INVALID_CONTROL_NUMBER = "018"  # ISA13
INVALID_ACK_REQUESTED, INVALID_TEST_INDICATOR = "019", "020"  # ISA14, ISA15
INVALID_GROUP_COUNT = "021"  # IEA01
INVALID_CONTROL_STRUCTURE = "022"
IMPROPER_END = "023"  # no IEA
INVALID_CONTENT = "024"
DUPLICATE = "025"
INVALID_ELEMENT_SEPARATOR, INVALID_COMPONENT_SEPARATOR = "026", "027"

REJECTING = frozenset(
    {
        INVALID_SENDER_QUALIFIER,
        INVALID_SENDER_ID,
        INVALID_RECEIVER_QUALIFIER,
        INVALID_RECEIVER_ID,
        INVALID_STANDARDS_ID,
        INVALID_VERSION,
        INVALID_CONTROL_NUMBER,
        INVALID_CONTROL_STRUCTURE,
        INVALID_ELEMENT_SEPARATOR,
        INVALID_COMPONENT_SEPARATOR,
    }
)

# I05, interchange id qualifier.
_QUALIFIERS = frozenset(f"{n:02d}" for n in (*range(1, 5), *range(7, 39))) | {"AM", "NR", "SA", "SN", "ZZ"}
_AUTHORIZATION = frozenset({"00", "01", "02", "03", "04", "05", "06"})  # I01
_SECURITY = frozenset({"00", "01"})  # I03
_FROM_READER = {
    ProblemCode.INTERCHANGE_CONTROL_MISMATCH: CONTROL_NUMBER_MISMATCH,
    ProblemCode.GROUP_COUNT_MISMATCH: INVALID_GROUP_COUNT,
    ProblemCode.MISSING_IEA: IMPROPER_END,
    ProblemCode.SEGMENT_OUTSIDE_ENVELOPE: INVALID_CONTENT,
}
_BAD_ISA_BY_ELEMENT = {13: INVALID_CONTROL_NUMBER, 16: INVALID_COMPONENT_SEPARATOR, 1: INVALID_ELEMENT_SEPARATOR}


def interchange_notes(interchange: Interchange, *, duplicate: bool = False) -> list[str]:
    """Every note code that applies, rejecting ones first; empty when the interchange is sound."""
    notes = [*_reader_notes(interchange), *_header_notes(interchange)]
    if duplicate:
        notes.append(DUPLICATE)
    unique = list(dict.fromkeys(notes))
    return [n for n in unique if n in REJECTING] + [n for n in unique if n not in REJECTING]


def rejects(notes: list[str]) -> bool:
    return any(n in REJECTING for n in notes)


def _reader_notes(interchange: Interchange) -> list[str]:
    notes = []
    for problem in interchange.problems:
        if problem.code is ProblemCode.BAD_ISA:
            element = problem.element_position
            notes.append(_BAD_ISA_BY_ELEMENT.get(element or 0, INVALID_CONTROL_STRUCTURE))
        elif problem.code in _FROM_READER:
            notes.append(_FROM_READER[problem.code])
    return notes


def _header_notes(interchange: Interchange) -> list[str]:
    isa = interchange.header
    checks = [
        (isa.get(1) in _AUTHORIZATION, INVALID_AUTHORIZATION_QUALIFIER),
        (isa.get(3) in _SECURITY, INVALID_SECURITY_QUALIFIER),
        (isa.get(5) in _QUALIFIERS, INVALID_SENDER_QUALIFIER),
        (bool(isa.get(6).strip()), INVALID_SENDER_ID),
        (isa.get(7) in _QUALIFIERS, INVALID_RECEIVER_QUALIFIER),
        (bool(isa.get(8).strip()), INVALID_RECEIVER_ID),
        (valid_date(isa.get(9)), INVALID_DATE),
        (valid_time(isa.get(10)), INVALID_TIME),
        (_valid_isa11(interchange), INVALID_STANDARDS_ID),
        (_valid_version(isa.get(12)), INVALID_VERSION),
        (isa.get(14) in ("0", "1"), INVALID_ACK_REQUESTED),
        (isa.get(15) in ("P", "T"), INVALID_TEST_INDICATOR),
    ]
    return [note for ok, note in checks if not ok]


def valid_date(value: str) -> bool:
    """ISA09 / TA102: YYMMDD, a real day."""
    if len(value) != 6 or not is_digits(value):
        return False
    try:
        dt.date(2000 + int(value[:2]), int(value[2:4]), int(value[4:]))
    except ValueError:
        return False
    return True


def valid_time(value: str) -> bool:
    """ISA10 / TA103: HHMM."""
    return len(value) == 4 and is_digits(value) and int(value[:2]) < 24 and int(value[2:]) < 60


def valid_control_number(value: str) -> bool:
    return len(value) == 9 and is_digits(value)


def _valid_version(value: str) -> bool:
    """ISA12: a published control version, 00200 to 00899 (00401, 00501, ...)."""
    return len(value) == 5 and is_digits(value) and value.startswith("00") and "2" <= value[2] <= "8"


def _valid_isa11(interchange: Interchange) -> bool:
    """ISA11 is the standards identifier "U" before 00402, and the repetition separator from then on."""
    value, version = interchange.header.get(11), interchange.header.get(12)
    if not _valid_version(version) or version < "00402":
        return value == "U"
    d = interchange.delimiters
    return len(value) == 1 and not value.isalnum() and value not in (d.element, d.component, d.segment)
