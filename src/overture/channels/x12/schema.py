"""Checking a transaction set against its schema: segment order, loops, repeats and elements.

Schemas are data (``tables/``, read by ``sets.py``): each is the standard's segment table of one
transaction set in one version, a tree of segments and loops with their usage and maximum use,
beside the segment directory of that version (each segment's elements and syntax notes,
``elements.py``). ``validate`` walks the set once, the way an X12 translator does: forward through
the positions of the current loop, up to the enclosing loop when a segment does not fit, and
reports every problem with its segment position and element position.

A segment the set's table does not list (a partner's own, or a standard segment of another set)
is skipped where it stands, so the segments after it are still read in their loop. With a
tolerant partner (the default) such segments, and ones the table lists elsewhere, are warnings
(``TOLERATED``): the set is accepted with errors and the 997 names them (AK304 1, 6 or 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from overture.channels.x12.elements import Element, SegmentDef, Separators, check_segment
from overture.channels.x12.errors import Problem, ProblemCode
from overture.channels.x12.tokenizer import Segment

UNBOUNDED = 1_000_000
# What a tolerant partner's document may hold and still be read: segments out of the table.
TOLERATED = frozenset({ProblemCode.UNKNOWN_SEGMENT, ProblemCode.SEGMENT_NOT_IN_SET, ProblemCode.UNEXPECTED_SEGMENT})

__all__ = ["TOLERATED", "UNBOUNDED", "Element", "Loop", "Node", "Seg", "SegmentDef", "TransactionSchema", "validate"]


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
    # Worked out once: the walk visits a loop for every repeat of it.
    tag: str = field(init=False)
    inner: tuple[Seg | Loop, ...] = field(init=False)  # the children after the first segment
    inner_tags: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        first = self.children[0]
        assert isinstance(first, Seg)
        object.__setattr__(self, "tag", first.tag)
        object.__setattr__(self, "inner", self.children[1:])
        object.__setattr__(self, "inner_tags", tuple(c.tag for c in self.children[1:]))


Node = Seg | Loop


@dataclass(frozen=True, slots=True)
class TransactionSchema:
    code: str
    version: str  # the release of the table: "004010" or "005010"
    name: str
    body: tuple[Node, ...]  # between ST and SE
    segments: dict[str, SegmentDef] = field(default_factory=dict)  # the version's segment directory
    standard_tags: frozenset[str] = frozenset()  # every segment id of the version, in any set
    known_tags: frozenset[str] | None = None  # every segment id in ``body``, when computed ahead


def validate(
    schema: TransactionSchema,
    segments: Sequence[Segment],
    *,
    repetition: str | None = None,
    component: str | None = None,
) -> list[Problem]:
    """Problems of one transaction set; ``segments`` runs from ST to SE inclusive.

    ``repetition`` is the interchange's repetition separator (ISA11 from 00402 on): each repeat of
    an element is checked on its own; ``component`` (ISA16) splits composites into components."""
    checker = _Checker(schema, Separators(component, repetition), end=segments[-1] if segments else None)
    for segment in segments:
        checker.check_elements(segment)
    body = [s for s in segments if s.tag not in ("ST", "SE")]
    checker.walk_level(schema.body, tuple(n.tag for n in schema.body), body, 0, top=True)
    loops = checker.loop_of
    return [
        replace(p, loop_id=loops[p.segment_position]) if p.segment_position in loops and not p.loop_id else p
        for p in checker.problems
    ]


class _Checker:
    def __init__(self, schema: TransactionSchema, separators: Separators, *, end: Segment | None) -> None:
        self.schema = schema
        self.separators = separators
        self.end = end
        self.problems: list[Problem] = []
        self.known = schema.known_tags if schema.known_tags is not None else all_tags(schema.body)
        self.loop = ""  # the loop being walked, named as the 997's AK303 names it
        self.loop_of: dict[int, str] = {}  # segment position -> the loop it stands in

    def walk_level(
        self, nodes: Sequence[Node], tags: tuple[str, ...], segments: Sequence[Segment], i: int, *, top: bool = False
    ) -> int:
        """Match segments from ``i`` against ``nodes`` (whose tags are ``tags``); return where this level stops."""
        at = 0
        uses = [0] * len(nodes)
        while i < len(segments):
            segment = segments[i]
            tag = segment.elements[0]
            if tag not in self.known:
                self._outside_table(segment)
                i += 1
                continue
            found = _find(tags, at, tag)
            if found is None:
                if not top:
                    break
                i += 1
                self._report(ProblemCode.UNEXPECTED_SEGMENT, f"{segment.tag} is not expected here", segment)
                continue
            self._skipped(nodes, uses, at, found, segment)
            at = found
            node = nodes[found]
            uses[found] += 1
            if uses[found] > node.max_use:
                code = ProblemCode.TOO_MANY_LOOPS if isinstance(node, Loop) else ProblemCode.TOO_MANY_SEGMENTS
                self._report(code, f"{node.tag} may be used {node.max_use} time(s) here", segment)
            if isinstance(node, Loop):
                outer, self.loop = self.loop, node.name
                self.loop_of[segment.position] = node.name
                i = self.walk_level(node.inner, node.inner_tags, segments, i + 1)
                self.loop = outer
            else:
                if self.loop:
                    self.loop_of[segment.position] = self.loop
                i += 1
        self._missing_at_end(nodes, uses, at, segments[i - 1] if i else self.end)
        return i

    def check_elements(self, segment: Segment) -> None:
        definition = self.schema.segments.get(segment.tag)
        if definition is not None:
            check_segment(definition, segment, self.separators, self._report)

    # A missing segment is named by its own id (AK301 / IK301), at the position where it was due:
    # that of the segment found in its place, or after the last one.
    def _skipped(self, nodes: Sequence[Node], uses: list[int], start: int, found: int, segment: Segment) -> None:
        for k in range(start, found):
            if nodes[k].required and uses[k] == 0:
                message = f"required {nodes[k].tag} is missing before {segment.tag}"
                tag = nodes[k].tag
                missing = Problem(ProblemCode.MISSING_SEGMENT, message, segment.position, tag, loop_id=self.loop)
                self.problems.append(missing)

    def _missing_at_end(self, nodes: Sequence[Node], uses: list[int], start: int, last: Segment | None) -> None:
        for k in range(start, len(nodes)):
            if not nodes[k].required or uses[k]:
                continue
            tag = nodes[k].tag
            if last is not None:
                message = f"required {tag} is missing after {last.tag}"
                missing = Problem(ProblemCode.MISSING_SEGMENT, message, last.position + 1, tag, loop_id=self.loop)
                self.problems.append(missing)
            else:
                self.problems.append(Problem(ProblemCode.MISSING_SEGMENT, f"required {tag} is missing"))

    def _outside_table(self, segment: Segment) -> None:
        if segment.tag in self.schema.standard_tags:
            message = f"{segment.tag} is a segment of the standard but not of the {self.schema.code} set"
            self._report(ProblemCode.SEGMENT_NOT_IN_SET, message, segment)
        else:
            self._report(ProblemCode.UNKNOWN_SEGMENT, f"{segment.tag} is not a segment of the X12 standard", segment)

    def _report(
        self,
        code: ProblemCode,
        message: str,
        segment: Segment,
        element: int | None = None,
        component: int | None = None,
    ) -> None:
        definition = self.schema.segments.get(segment.tag)
        reference = ""
        if element is not None and definition is not None and element <= len(definition.elements):
            described = definition.elements[element - 1]
            if component is not None and component <= len(described.components):
                described = described.components[component - 1]
            reference = described.id
        self.problems.append(Problem(code, message, segment.position, segment.tag, element, component, reference))


def _find(tags: tuple[str, ...], start: int, tag: str) -> int | None:
    try:
        return tags.index(tag, start)
    except ValueError:
        return None


def all_tags(nodes: Sequence[Node]) -> set[str]:
    tags: set[str] = set()
    for node in nodes:
        tags.add(node.tag)
        if isinstance(node, Loop):
            tags |= all_tags(node.children)
    return tags
