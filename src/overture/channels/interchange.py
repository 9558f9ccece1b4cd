"""What X12 and EDIFACT share: a positioned problem with a stable code, the one error a reader
raises, and how an envelope's trailer must close its header.

::

    InterchangeError            the bytes cannot be read as the standard at all (carries a problem)
     +-- X12Error               (channels/x12/errors.py)
     +-- EdifactError           (channels/edifact/errors.py)
    Problem[Code]               something a reader reports and carries on past (kept, never raised)

Each standard names its own codes (a ``StrEnum``) and where an element sits ("BEG03" in X12,
"element 3.1" in EDIFACT); the rest is here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

Code = TypeVar("Code", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Problem(Generic[Code]):
    """One thing wrong, where it is: segment position (1-based in the file), element and component."""

    code: Code
    message: str
    segment_position: int | None = None
    segment_id: str = ""
    element_position: int | None = None
    component_position: int | None = None
    reference: str = ""  # the element's reference number in the standard's dictionary (X12 AK402), if known
    loop_id: str = ""  # the loop the segment stands in (X12 AK303), if any

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

    def element_place(self, element: int) -> str:
        """How the standard names an element's place after its segment's tag."""
        where = f" element {element}"
        return where + (f".{self.component_position}" if self.component_position is not None else "")

    def __str__(self) -> str:
        where = ""
        if self.segment_position is not None:
            where = f" at segment {self.segment_position} ({self.segment_id}"
            if self.element_position is not None:
                where += self.element_place(self.element_position)
            where += ")"
        return f"{self.code.value}{where}: {self.message}"


class InterchangeError(Exception):
    """The input cannot be read as the standard at all. Carries the problem that stopped the reader."""

    def __init__(self, problem: Problem[Any]) -> None:
        super().__init__(str(problem))
        self.problem = problem


class PositionedSegment(Protocol):
    @property
    def tag(self) -> str: ...

    @property
    def position(self) -> int: ...


P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Closing(Generic[Code]):
    """How one trailer closes its header (SE closes ST, UNT closes UNH, ...): what to call its
    reference and count in messages, and the codes of the three ways it can be wrong."""

    header_tag: str
    trailer_tag: str
    header_reference: str  # "ST02", "UNH"
    trailer_reference: str  # "SE02", "UNT reference"
    trailer_count: str  # "SE01", "UNT"
    counts: str  # what the count counts: "segments", "transaction sets", ...
    container: str  # "the set", "the message", ...
    missing: Code
    reference_mismatch: Code
    count_mismatch: Code


def closing_problems(
    closing: Closing[Code],
    header: PositionedSegment,
    trailer: PositionedSegment | None,
    *,
    reference: str,
    trailer_values: tuple[str, str],
    counted: int,
    problem: Callable[[Code, str, PositionedSegment, int | None], P],
) -> list[P]:
    """What is wrong with how ``trailer`` (None: never came) closes ``header``: missing, a reference
    that does not match, or a count that is not ``counted``. ``trailer_values``: its (count, reference)."""
    if trailer is None:
        text = f"{closing.header_tag} {reference!r} is never closed by {closing.trailer_tag}"
        return [problem(closing.missing, text, header, None)]
    count, their_reference = trailer_values
    found = []
    if their_reference != reference:
        text = (
            f"{closing.trailer_reference} {their_reference!r} does not match {closing.header_reference} {reference!r}"
        )
        found.append(problem(closing.reference_mismatch, text, trailer, 2))
    if count != str(counted):
        text = f"{closing.trailer_count} says {count!r} {closing.counts}; {closing.container} has {counted}"
        found.append(problem(closing.count_mismatch, text, trailer, 1))
    return found
