"""What can be wrong with an X12 document, positioned, with stable codes.

A ``Problem`` is something a reader reports and carries on past (a count that does not match, a
missing required segment): it ends up in the 997 and in ``overture edi inspect``. An
``X12Error`` is raised when the bytes cannot be read as X12 at all (no ISA header, an interchange
cut short); it is the only exception the reader raises on any input.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    UNKNOWN_SEGMENT = "unknown_segment"
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


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, where it is: segment position (1-based in the file) and element position."""

    code: ProblemCode
    message: str
    segment_position: int | None = None
    segment_id: str = ""
    element_position: int | None = None
    component_position: int | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"code": self.code.value, "message": self.message}
        if self.segment_position is not None:
            data["segment_position"] = self.segment_position
            data["segment_id"] = self.segment_id
        if self.element_position is not None:
            data["element_position"] = self.element_position
        if self.component_position is not None:
            data["component_position"] = self.component_position
        return data

    def __str__(self) -> str:
        where = ""
        if self.segment_position is not None:
            where = f" at segment {self.segment_position} ({self.segment_id}"
            if self.element_position is not None:
                where += f"{self.element_position:02d}"
            where += ")"
        return f"{self.code.value}{where}: {self.message}"


class X12Error(Exception):
    """The input cannot be read as X12 at all. Carries the problem that stopped the reader."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
