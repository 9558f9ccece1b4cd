"""What can be wrong with an X12 document, positioned, with stable codes.

A ``Problem`` is something a reader reports and carries on past (a count that does not match, a
missing required segment): it ends up in the 997 and in ``overture edi inspect``. An
``X12Error`` is raised when the bytes cannot be read as X12 at all (no ISA header, an interchange
cut short); it is the only exception the reader raises on any input.
"""

from __future__ import annotations

from enum import StrEnum

from overture.channels import interchange


class ProblemCode(StrEnum):
    # Interchange and group envelopes (TA1 / AK9 territory)
    NO_INTERCHANGE = "no_interchange"
    BAD_ISA = "bad_isa"
    MISSING_IEA = "missing_iea"
    INTERCHANGE_CONTROL_MISMATCH = "interchange_control_mismatch"
    GROUP_COUNT_MISMATCH = "group_count_mismatch"
    MISSING_GE = "missing_ge"
    GROUP_CONTROL_MISMATCH = "group_control_mismatch"
    TRANSACTION_COUNT_MISMATCH = "transaction_count_mismatch"
    SEGMENT_OUTSIDE_ENVELOPE = "segment_outside_envelope"
    # Transaction sets (AK5 / IK5 territory)
    MISSING_SE = "missing_se"
    TRANSACTION_CONTROL_MISMATCH = "transaction_control_mismatch"
    SEGMENT_COUNT_MISMATCH = "segment_count_mismatch"
    UNSUPPORTED_TRANSACTION = "unsupported_transaction"
    # Segments (AK3 territory)
    UNKNOWN_SEGMENT = "unknown_segment"  # not a segment of the standard at all (AK304 1)
    SEGMENT_NOT_IN_SET = "segment_not_in_set"  # a standard segment the set's table does not list (AK304 6)
    UNEXPECTED_SEGMENT = "unexpected_segment"  # in the set's table, but not where it stands (AK304 2)
    MISSING_SEGMENT = "missing_segment"
    SEGMENT_OUT_OF_ORDER = "segment_out_of_order"
    TOO_MANY_SEGMENTS = "too_many_segments"
    TOO_MANY_LOOPS = "too_many_loops"
    # Elements (AK4 territory)
    MISSING_ELEMENT = "missing_element"
    TOO_MANY_ELEMENTS = "too_many_elements"
    ELEMENT_TOO_SHORT = "element_too_short"
    ELEMENT_TOO_LONG = "element_too_long"
    BAD_NUMBER = "bad_number"
    BAD_DATE = "bad_date"
    BAD_TIME = "bad_time"
    BAD_CODE = "bad_code"
    BAD_CHARACTER = "bad_character"
    CONDITIONAL_MISSING = "conditional_missing"  # a syntax note (P, R, C, L) wants this element (AK403 2)
    EXCLUSION_VIOLATED = "exclusion_violated"  # a syntax note (E) forbids it beside another (AK403 10)
    TOO_MANY_REPETITIONS = "too_many_repetitions"  # AK403 12
    TOO_MANY_COMPONENTS = "too_many_components"  # AK403 13


# The standard's code lists for what goes wrong, the same numbers in the 997 (AK3/AK4/AK5/AK9, 004010)
# and the 999 (IK3/IK4/IK5/AK9, 005010). Element 720 / 620: segment syntax error codes.
AK3_CODES = {
    ProblemCode.UNKNOWN_SEGMENT: "1",  # unrecognized segment id
    ProblemCode.UNEXPECTED_SEGMENT: "2",  # unexpected segment
    ProblemCode.MISSING_SEGMENT: "3",  # required segment missing
    ProblemCode.TOO_MANY_LOOPS: "4",  # loop occurs over maximum times
    ProblemCode.TOO_MANY_SEGMENTS: "5",  # segment exceeds maximum use
    ProblemCode.SEGMENT_NOT_IN_SET: "6",  # segment not in defined transaction set
    ProblemCode.SEGMENT_OUT_OF_ORDER: "7",  # segment not in proper sequence
}
SEGMENT_HAS_ELEMENT_ERRORS = "8"  # AK304 when only the segment's elements are wrong
# Element 723 / 621: data element syntax error codes.
AK4_CODES = {
    ProblemCode.MISSING_ELEMENT: "1",  # mandatory data element missing
    ProblemCode.CONDITIONAL_MISSING: "2",  # conditional required data element missing
    ProblemCode.TOO_MANY_ELEMENTS: "3",  # too many data elements
    ProblemCode.ELEMENT_TOO_SHORT: "4",  # data element too short
    ProblemCode.ELEMENT_TOO_LONG: "5",  # data element too long
    ProblemCode.BAD_CHARACTER: "6",  # invalid character in data element
    ProblemCode.BAD_NUMBER: "6",  # a numeric element holding a non-digit: an invalid character
    ProblemCode.BAD_CODE: "7",  # invalid code value
    ProblemCode.BAD_DATE: "8",  # invalid date
    ProblemCode.BAD_TIME: "9",  # invalid time
    ProblemCode.EXCLUSION_VIOLATED: "10",  # exclusion condition violated
    ProblemCode.TOO_MANY_REPETITIONS: "12",  # too many repetitions (from 004020 on)
    ProblemCode.TOO_MANY_COMPONENTS: "13",  # too many components (from 004020 on)
}
# Element 718 / 618: transaction set syntax error codes. 5 (one or more segments in error), 6 (missing or
# invalid ST01), 7 (missing or invalid ST02) and 23 (ST02 not unique in the group) are found by the ack
# builder itself (ack997.py), which sees the whole group.
AK5_CODES = {
    ProblemCode.UNSUPPORTED_TRANSACTION: "1",  # transaction set not supported
    ProblemCode.MISSING_SE: "2",  # transaction set trailer missing
    ProblemCode.TRANSACTION_CONTROL_MISMATCH: "3",  # ST02 and SE02 do not match
    ProblemCode.SEGMENT_COUNT_MISMATCH: "4",  # number of included segments does not match actual count
}
# Element 716: functional group syntax error codes (AK905-909 in both the 997 and the 999).
AK9_CODES = {
    ProblemCode.MISSING_GE: "3",  # functional group trailer missing
    ProblemCode.GROUP_CONTROL_MISMATCH: "4",  # GS06 and GE02 do not agree
    ProblemCode.TRANSACTION_COUNT_MISMATCH: "5",  # GE01 does not match the sets included
}


class Problem(interchange.Problem[ProblemCode]):
    """One thing wrong in an X12 document (channels/interchange.py); elements named as X12 does (BEG03)."""

    __slots__ = ()

    def element_place(self, element: int) -> str:
        return f"{element:02d}"


class X12Error(interchange.InterchangeError):
    """The input cannot be read as X12 at all. Carries the problem that stopped the reader."""

    problem: Problem

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
