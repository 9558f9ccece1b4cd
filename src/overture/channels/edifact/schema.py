"""Checking a message against its schema: sections, required segments, repeats and elements.

Schemas are data (``messages.py``). A UN/EDIFACT message is read in three sections: the header
(from BGM up to the first LIN), the detail (the LIN groups) and the summary (from UNS on). Each
section lists the segment tags it may hold; a tag the message does not know at all is an
``unknown_segment``, a known tag in the wrong section is ``segment_out_of_order``. Required
segments may name the qualifier they must carry (DTM+137) and an element that must be filled in
(a postal code on the buyer's or ship-to NAD). This is coarser than the standard's nested segment
groups (it does not check the order of segments inside a section), and says so by its name.

Element definitions are the directory's (the same QTY in every message): how many elements and
components a segment may have, which must be present, which hold numbers, dates or codes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from overture.channels.edifact.envelope import Message
from overture.channels.edifact.errors import Problem, ProblemCode
from overture.channels.edifact.syntax import Segment
from overture.domain.digits import is_digits

DETAIL_START = "LIN"
SUMMARY_START = "UNS"
NUMBER = re.compile(r"-?(\d+([.,]\d*)?|[.,]\d+)")
# DTM 2379 format codes we can check, and the strptime pattern of each (718 is a range of two 102s).
DATE_FORMATS = {"101": "%y%m%d", "102": "%Y%m%d", "203": "%Y%m%d%H%M", "204": "%Y%m%d%H%M%S"}


class Section(StrEnum):
    HEADER = "header"
    DETAIL = "detail"
    SUMMARY = "summary"


@dataclass(frozen=True, slots=True)
class ElementSpec:
    components: int = 1  # how many components the element may have
    mandatory: bool = False  # the element must be present
    required: frozenset[int] = frozenset()  # components that must be present when the element is
    numeric: frozenset[int] = frozenset()  # components that hold numbers
    codes: frozenset[str] = frozenset()  # the values its first component may take, where we care
    max_length: int = 0  # of its first component (0: not checked)


@dataclass(frozen=True, slots=True)
class Required:
    """A segment the message must hold in a section, with a qualifier and a filled-in element if named."""

    tag: str
    section: Section
    qualifiers: frozenset[str] = frozenset()  # its first element must be one of these
    element: int | None = None  # and this element must be filled in on at least one of them
    what: str = ""  # what it is, for the problem's message


@dataclass(frozen=True, slots=True)
class MessageSchema:
    type: str  # ORDERS, ORDRSP
    releases: frozenset[str]  # "D:96A", "D:01B"
    name: str
    first: str  # the segment that must follow UNH
    sections: dict[Section, frozenset[str]]
    required: tuple[Required, ...]
    max_use: dict[tuple[Section, str], int] = field(default_factory=dict)

    def known(self) -> frozenset[str]:
        return frozenset().union(*self.sections.values())


def validate(schema: MessageSchema, message: Message) -> list[Problem]:
    """Problems of the message's structure against its schema (elements are ``check_elements``)."""
    by_section = _sections(message.body)
    problems = _placement_problems(schema, message.body, by_section)
    problems += _first_problems(schema, message)
    for required in schema.required:
        problems += _required_problems(required, by_section, _anchor(message, required.section, by_section))
    return problems


def check_elements(segments: Sequence[Segment], specs: dict[str, tuple[ElementSpec, ...]]) -> list[Problem]:
    problems: list[Problem] = []
    for segment in segments:
        spec = specs.get(segment.tag)
        if spec is not None:
            problems += _element_problems(segment, spec)
            if segment.tag == "DTM":
                problems += _date_problems(segment)
    return problems


def _sections(body: Sequence[Segment]) -> dict[Section, list[Segment]]:
    by_section: dict[Section, list[Segment]] = {s: [] for s in Section}
    section = Section.HEADER
    for segment in body:
        if segment.tag == DETAIL_START and section is Section.HEADER:
            section = Section.DETAIL
        elif segment.tag == SUMMARY_START:
            section = Section.SUMMARY
        by_section[section].append(segment)
    return by_section


def _placement_problems(
    schema: MessageSchema, body: Sequence[Segment], by_section: dict[Section, list[Segment]]
) -> list[Problem]:
    problems: list[Problem] = []
    known = schema.known()
    for section, segments in by_section.items():
        uses: Counter[str] = Counter()
        for segment in segments:
            uses[segment.tag] += 1
            limit = schema.max_use.get((section, segment.tag))
            if segment.tag not in schema.sections[section]:
                problems.append(_misplaced(schema, segment, section, known))
            elif limit is not None and uses[segment.tag] > limit:
                text = f"{segment.tag} may be used {limit} time(s) in the {section}"
                problems.append(_at(ProblemCode.TOO_MANY_SEGMENTS, text, segment))
    return sorted(problems, key=lambda p: p.segment_position or 0)


def _misplaced(schema: MessageSchema, segment: Segment, section: Section, known: frozenset[str]) -> Problem:
    if segment.tag in known:
        return _at(ProblemCode.SEGMENT_OUT_OF_ORDER, f"{segment.tag} does not belong in the {section}", segment)
    return _at(ProblemCode.UNKNOWN_SEGMENT, f"{segment.tag!r} is not a segment of {schema.type}", segment)


def _first_problems(schema: MessageSchema, message: Message) -> list[Problem]:
    body = message.body
    if not body or body[0].tag == schema.first:
        return []
    misplaced = next((s for s in body if s.tag == schema.first), None)
    if misplaced is None:
        return []  # reported as missing by the requirement
    text = f"{schema.first} must follow UNH; {body[0].tag} comes first"
    return [_at(ProblemCode.SEGMENT_OUT_OF_ORDER, text, misplaced)]


def _anchor(message: Message, section: Section, by_section: dict[Section, list[Segment]]) -> Segment:
    """Where a segment missing from ``section`` is reported: the first segment after that section."""
    order = list(Section)
    for later in order[order.index(section) + 1 :]:
        if by_section[later]:
            return by_section[later][0]
    return message.trailer or (message.body[-1] if message.body else message.header)


def _required_problems(required: Required, by_section: dict[Section, list[Segment]], anchor: Segment) -> list[Problem]:
    found = [
        s
        for s in by_section[required.section]
        if s.tag == required.tag and (not required.qualifiers or s.get(1) in required.qualifiers)
    ]
    label = required.what or _label(required)
    if not found:
        return [_at(ProblemCode.MISSING_SEGMENT, f"required {label} is missing in the {required.section}", anchor)]
    if required.element is not None and not any(s.get(required.element) for s in found):
        text = f"{label}: element {required.element} must be filled in"
        return [_at(ProblemCode.MISSING_ELEMENT, text, found[0], required.element)]
    return []


def _label(required: Required) -> str:
    qualifiers = "/".join(sorted(required.qualifiers))
    return f"{required.tag}+{qualifiers}" if qualifiers else required.tag


def _element_problems(segment: Segment, spec: tuple[ElementSpec, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if len(segment.elements) > len(spec):
        text = f"{segment.tag} has {len(segment.elements)} elements; at most {len(spec)} are defined"
        problems.append(_at(ProblemCode.TOO_MANY_ELEMENTS, text, segment, len(spec) + 1))
    for n, element in enumerate(spec, start=1):
        components = segment.elements[n - 1] if n <= len(segment.elements) else ()
        problems += _one_element(segment, n, element, components)
    return problems


def _one_element(segment: Segment, n: int, spec: ElementSpec, components: tuple[str, ...]) -> list[Problem]:
    tag = segment.tag
    if not any(components):
        missing = _at(ProblemCode.MISSING_ELEMENT, f"{tag} element {n} is required", segment, n)
        return [missing] if spec.mandatory else []
    problems = []
    if len(components) > spec.components:
        text = f"{tag} element {n} has {len(components)} components; at most {spec.components} are defined"
        problems.append(_at(ProblemCode.TOO_MANY_COMPONENTS, text, segment, n, spec.components + 1))
    for k in sorted(spec.required):
        if not segment.get(n, k):
            problems.append(_at(ProblemCode.MISSING_ELEMENT, f"{tag} {n}.{k} is required", segment, n, k))
    for k in sorted(spec.numeric):
        value = segment.get(n, k)
        if value and not NUMBER.fullmatch(value):
            problems.append(_at(ProblemCode.BAD_NUMBER, f"{tag} {n}.{k} {value!r} is not a number", segment, n, k))
    first = components[0]
    if spec.codes and first and first not in spec.codes:
        text = f"{tag} element {n} {first!r} is not one of {', '.join(sorted(spec.codes))}"
        problems.append(_at(ProblemCode.BAD_CODE, text, segment, n, 1))
    if spec.max_length and len(first) > spec.max_length:
        text = f"{tag} element {n} {first!r} is longer than {spec.max_length}"
        problems.append(_at(ProblemCode.ELEMENT_TOO_LONG, text, segment, n, 1))
    return problems


def _date_problems(dtm: Segment) -> list[Problem]:
    value, code = dtm.get(1, 2), dtm.get(1, 3)
    parts = value.split("-") if code == "718" else [value]
    pattern = DATE_FORMATS.get("102" if code == "718" else code)
    if not value or pattern is None:
        return []
    if len(parts) == (2 if code == "718" else 1) and all(parse_date(p, pattern) for p in parts):
        return []
    return [_at(ProblemCode.BAD_DATE, f"DTM {value!r} is not a date in format {code}", dtm, 1, 2)]


def parse_date(value: str, pattern: str) -> dt.datetime | None:
    # strptime accepts unpadded fields ("2026111" as %Y%m%d); EDIFACT dates are fixed width.
    width = len(dt.datetime(2000, 1, 1).strftime(pattern))
    if len(value) != width or not is_digits(value):
        return None
    try:
        return dt.datetime.strptime(value, pattern)
    except ValueError:
        return None


def _at(
    code: ProblemCode, message: str, segment: Segment, element: int | None = None, component: int | None = None
) -> Problem:
    return Problem(code, message, segment.position, segment.tag, element, component)
