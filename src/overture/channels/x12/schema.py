"""Checking a transaction set against its schema: segment order, loops, repeats and elements.

Schemas are data (``sets.py``): each is a tree of segments and loops with requirement and
maximum use, and each segment has its element definitions (type, minimum and maximum length,
mandatory or not). ``validate`` walks the set once, the way an X12 translator does: forward
through the positions of the current loop, up to the enclosing loop when a segment does not
fit, and reports every problem with its segment position and element position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from overture.channels.x12.errors import Problem, ProblemCode
from overture.channels.x12.tokenizer import Segment

UNBOUNDED = 1_000_000


@dataclass(frozen=True, slots=True)
class Element:
    type: str  # AN, ID, N0, N2, R, DT, TM, or C (composite: not checked further)
    min: int
    max: int
    required: bool = False
    codes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Seg:
    tag: str
    required: bool = False
    max_use: int = 1


@dataclass(frozen=True, slots=True)
class Loop:
    """A loop; ``children[0]`` is the segment that begins each repeat of it."""

    name: str
    children: tuple[Seg | Loop, ...]
    required: bool = False
    max_use: int = UNBOUNDED

    @property
    def tag(self) -> str:
        first = self.children[0]
        assert isinstance(first, Seg)
        return first.tag


Node = Seg | Loop


@dataclass(frozen=True, slots=True)
class TransactionSchema:
    code: str
    version: str  # "004010" or "005010"
    name: str
    body: tuple[Node, ...]  # between ST and SE
    elements: dict[str, tuple[Element, ...]] = field(default_factory=dict)


def validate(schema: TransactionSchema, segments: Sequence[Segment], *, repetition: str | None = None) -> list[Problem]:
    """Problems of one transaction set; ``segments`` runs from ST to SE inclusive.

    ``repetition`` is the interchange's repetition separator (ISA11 from 00402 on): each repeat of
    an element is checked on its own."""
    checker = _Checker(schema, repetition, end=segments[-1] if segments else None)
    for segment in segments:
        checker.check_elements(segment)
    body = [s for s in segments if s.tag not in ("ST", "SE")]
    checker.walk_level(schema.body, body, 0, top=True)
    return checker.problems


class _Checker:
    def __init__(self, schema: TransactionSchema, repetition: str | None, *, end: Segment | None) -> None:
        self.schema = schema
        self.repetition = repetition
        self.end = end
        self.problems: list[Problem] = []
        self.known = _all_tags(schema.body)

    def walk_level(self, nodes: Sequence[Node], segments: Sequence[Segment], i: int, *, top: bool = False) -> int:
        """Match segments from ``i`` against ``nodes``; return where this level stops matching."""
        at = 0
        uses = [0] * len(nodes)
        while i < len(segments):
            segment = segments[i]
            found = _find(nodes, at, segment.tag)
            if found is None:
                if not top:
                    break
                i += 1
                self._misplaced(nodes, segment)
                continue
            self._skipped(nodes, uses, at, found, segment)
            at = found
            node = nodes[found]
            uses[found] += 1
            if uses[found] > node.max_use:
                code = ProblemCode.TOO_MANY_LOOPS if isinstance(node, Loop) else ProblemCode.TOO_MANY_SEGMENTS
                self._report(code, f"{node.tag} may be used {node.max_use} time(s) here", segment)
            if isinstance(node, Loop):
                i = self.walk_level(node.children[1:], segments, i + 1)
            else:
                i += 1
        self._missing_at_end(nodes, uses, at, segments[i - 1] if i else self.end)
        return i

    def check_elements(self, segment: Segment) -> None:
        definitions = self.schema.elements.get(segment.tag)
        if definitions is None:
            return
        values = segment.elements
        if len(values) - 1 > len(definitions):
            self._report(
                ProblemCode.TOO_MANY_ELEMENTS,
                f"{segment.tag} has {len(values) - 1} elements; at most {len(definitions)} are defined",
                segment,
                len(definitions) + 1,
            )
        for n, definition in enumerate(definitions, start=1):
            value = values[n] if n < len(values) else ""
            if not value:
                if definition.required:
                    self._report(ProblemCode.MISSING_ELEMENT, f"{segment.tag}{n:02d} is required", segment, n)
                continue
            repeats = value.split(self.repetition) if self.repetition and self.repetition in value else [value]
            problem = next(filter(None, (_element_problem(definition, v) for v in repeats)), None)
            if problem is not None:
                code, reason = problem
                self._report(code, f"{segment.tag}{n:02d} {value!r}: {reason}", segment, n)

    def _skipped(self, nodes: Sequence[Node], uses: list[int], start: int, found: int, segment: Segment) -> None:
        for k in range(start, found):
            if nodes[k].required and uses[k] == 0:
                self._report(ProblemCode.MISSING_SEGMENT, f"required {nodes[k].tag} is missing before it", segment)

    def _missing_at_end(self, nodes: Sequence[Node], uses: list[int], start: int, last: Segment | None) -> None:
        for k in range(start, len(nodes)):
            if nodes[k].required and uses[k] == 0 and last is not None:
                self._report(ProblemCode.MISSING_SEGMENT, f"required {nodes[k].tag} is missing after it", last)
            elif nodes[k].required and uses[k] == 0:
                self.problems.append(Problem(ProblemCode.MISSING_SEGMENT, f"required {nodes[k].tag} is missing"))

    def _misplaced(self, nodes: Sequence[Node], segment: Segment) -> None:
        if segment.tag in self.known:
            self._report(ProblemCode.SEGMENT_OUT_OF_ORDER, f"{segment.tag} is not expected here", segment)
        else:
            self._report(
                ProblemCode.UNKNOWN_SEGMENT, f"{segment.tag} is not a segment of the {self.schema.code} set", segment
            )

    def _report(self, code: ProblemCode, message: str, segment: Segment, element: int | None = None) -> None:
        self.problems.append(Problem(code, message, segment.position, segment.tag, element))


def _find(nodes: Sequence[Node], start: int, tag: str) -> int | None:
    for k in range(start, len(nodes)):
        if nodes[k].tag == tag:
            return k
    return None


def _all_tags(nodes: Sequence[Node]) -> set[str]:
    tags: set[str] = set()
    for node in nodes:
        tags.add(node.tag)
        if isinstance(node, Loop):
            tags |= _all_tags(node.children)
    return tags


def _element_problem(definition: Element, value: str) -> tuple[ProblemCode, str] | None:
    kind = definition.type
    if kind == "C":
        return None
    if kind in ("N0", "N1", "N2", "R"):
        digits = value[1:] if value.startswith("-") else value
        if kind == "R":
            if digits.count(".") > 1 or not digits.replace(".", "", 1).isdigit():
                return ProblemCode.BAD_NUMBER, "not a decimal number"
            digits = digits.replace(".", "", 1)
        elif not digits.isdigit():
            return ProblemCode.BAD_NUMBER, "not a whole number"
        return _length_problem(definition, len(digits))
    if kind == "DT":
        if not value.isdigit() or len(value) not in (6, 8) or not _is_date(value):
            return ProblemCode.BAD_DATE, "not a date (CCYYMMDD)"
        return None
    if kind == "TM":
        if not value.isdigit() or not 4 <= len(value) <= 8 or int(value[:2]) > 23 or int(value[2:4]) > 59:
            return ProblemCode.BAD_TIME, "not a time (HHMM[SS])"
        return None
    if definition.codes and value not in definition.codes:
        return ProblemCode.BAD_CODE, f"not one of {', '.join(sorted(definition.codes))}"
    if not value.isprintable():
        return ProblemCode.BAD_CHARACTER, "holds a control character"
    return _length_problem(definition, len(value))


def _length_problem(definition: Element, length: int) -> tuple[ProblemCode, str] | None:
    if length < definition.min:
        return ProblemCode.ELEMENT_TOO_SHORT, f"shorter than {definition.min}"
    if length > definition.max:
        return ProblemCode.ELEMENT_TOO_LONG, f"longer than {definition.max}"
    return None


def _is_date(value: str) -> bool:
    text = value if len(value) == 8 else "20" + value
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return True
