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


# 997 AK3 (segment syntax error codes) and AK4 (element syntax error codes) for our problems.
AK3_CODES = {
    ProblemCode.UNKNOWN_SEGMENT: "1",
    ProblemCode.SEGMENT_OUT_OF_ORDER: "2",
    ProblemCode.MISSING_SEGMENT: "3",
    ProblemCode.TOO_MANY_LOOPS: "4",
    ProblemCode.TOO_MANY_SEGMENTS: "5",
}
AK4_CODES = {
    ProblemCode.MISSING_ELEMENT: "1",
    ProblemCode.TOO_MANY_ELEMENTS: "3",
    ProblemCode.ELEMENT_TOO_SHORT: "4",
    ProblemCode.ELEMENT_TOO_LONG: "5",
    ProblemCode.BAD_CHARACTER: "6",
    ProblemCode.BAD_CODE: "7",
    ProblemCode.BAD_DATE: "8",
    ProblemCode.BAD_TIME: "9",
    ProblemCode.BAD_NUMBER: "6",
}
# 997 AK5 (transaction set) error codes.
AK5_CODES = {
    ProblemCode.UNSUPPORTED_TRANSACTION: "1",
    ProblemCode.MISSING_SE: "2",
    ProblemCode.TRANSACTION_CONTROL_MISMATCH: "3",
    ProblemCode.SEGMENT_COUNT_MISMATCH: "4",
}
# 997 AK9 (functional group) error codes.
AK9_CODES = {
    ProblemCode.MISSING_GE: "2",
    ProblemCode.GROUP_CONTROL_MISMATCH: "4",
    ProblemCode.TRANSACTION_COUNT_MISMATCH: "5",
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
