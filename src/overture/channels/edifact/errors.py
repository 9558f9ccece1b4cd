"""What can be wrong with an EDIFACT interchange, positioned, with stable codes.

::

    EdifactError            the bytes cannot be read as EDIFACT at all (raised, carries a Problem)
    Problem                 something a reader reports and carries on past (kept, never raised)

Both are the shared ones of channels/interchange.py, with EDIFACT's codes.

A ``Problem`` is kept with the envelope or message it concerns (a UNT count that does not match,
a required segment missing), so one bad message does not hide the good ones beside it. An
``EdifactError`` is raised when the input cannot be read at all (no UNA/UNB, an unterminated
segment at the end): it is the only exception the reader raises on any input, whatever pydifact
raised underneath.
"""

from __future__ import annotations

from enum import StrEnum

from overture.channels import interchange


class ProblemCode(StrEnum):
    # Not EDIFACT at all (EdifactError)
    NO_INTERCHANGE = "no_interchange"
    BAD_UNA = "bad_una"
    SYNTAX_ERROR = "syntax_error"
    # Interchange and group envelopes
    BAD_UNB = "bad_unb"
    MISSING_UNZ = "missing_unz"
    INTERCHANGE_REFERENCE_MISMATCH = "interchange_reference_mismatch"
    INTERCHANGE_COUNT_MISMATCH = "interchange_count_mismatch"
    MISSING_UNE = "missing_une"
    GROUP_REFERENCE_MISMATCH = "group_reference_mismatch"
    GROUP_COUNT_MISMATCH = "group_count_mismatch"
    SEGMENT_OUTSIDE_ENVELOPE = "segment_outside_envelope"
    # Messages
    MISSING_UNT = "missing_unt"
    MESSAGE_REFERENCE_MISMATCH = "message_reference_mismatch"
    SEGMENT_COUNT_MISMATCH = "segment_count_mismatch"
    BAD_MESSAGE_IDENTIFIER = "bad_message_identifier"
    UNSUPPORTED_RELEASE = "unsupported_release"
    # Segments
    UNKNOWN_SEGMENT = "unknown_segment"
    MISSING_SEGMENT = "missing_segment"
    SEGMENT_OUT_OF_ORDER = "segment_out_of_order"
    TOO_MANY_SEGMENTS = "too_many_segments"
    # Elements and components
    MISSING_ELEMENT = "missing_element"
    TOO_MANY_ELEMENTS = "too_many_elements"
    TOO_MANY_COMPONENTS = "too_many_components"
    ELEMENT_TOO_LONG = "element_too_long"
    BAD_NUMBER = "bad_number"
    BAD_DATE = "bad_date"
    BAD_CODE = "bad_code"
    # Content of an ORDERS that does not add up
    AMOUNT_MISMATCH = "amount_mismatch"
    LINE_COUNT_MISMATCH = "line_count_mismatch"


class Problem(interchange.Problem[ProblemCode]):
    """One thing wrong in an EDIFACT interchange (channels/interchange.py); UNA counts as a segment."""

    __slots__ = ()


class EdifactError(interchange.InterchangeError):
    """The input cannot be read as EDIFACT at all. Carries the problem that stopped the reader."""

    problem: Problem

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
