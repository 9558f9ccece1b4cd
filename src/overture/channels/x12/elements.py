"""One segment's elements against the standard: data types, lengths, codes, composites, syntax notes.

The segment directory (``tables/segments.<version>.json``) gives each element its type (AN, ID,
DT, TM, R, N0..N9, or C for a composite of components), its minimum and maximum length, whether
it is mandatory and, for the ID elements the hub acts upon, its code list. Syntax notes relate
elements of one segment (``P0304``: N103 and N104 come together or not at all):

- P paired: if any is present, all are required;
- R required: at least one is present;
- E exclusion: at most one is present;
- C conditional: if the first is present, all the others are required;
- L list conditional: if the first is present, at least one of the others is.

Each violation is a ``Problem`` with the element's position (and component's), which the 997's
AK4 and the 999's IK4 report with their codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from overture.channels.x12.errors import ProblemCode
from overture.channels.x12.tokenizer import Segment
from overture.domain.digits import is_digits

Found = tuple[ProblemCode, str]


@dataclass(frozen=True, slots=True)
class Element:
    type: str  # AN, ID, N0..N9, R, DT, TM, or C (composite)
    min: int
    max: int
    required: bool = False
    codes: frozenset[str] = frozenset()
    components: tuple[Element, ...] = ()
    id: str = ""  # the data element's reference number (AK402 / IK402)
    name: str = ""


@dataclass(frozen=True, slots=True)
class SyntaxRule:
    kind: str  # P R E C L
    positions: tuple[int, ...]

    @classmethod
    def parse(cls, note: str) -> SyntaxRule:
        return cls(note[0], tuple(int(note[i : i + 2]) for i in range(1, len(note), 2)))

    @property
    def first(self) -> int:
        return self.positions[0]

    def broken(self, values: Sequence[str]) -> bool:
        """Whether a segment's values (``values[0]`` its tag) break this note."""
        size = len(values)
        present = sum(1 for p in self.positions if p < size and values[p])
        kind = self.kind
        if kind == "P":
            return 0 < present < len(self.positions)
        if kind == "R":
            return present == 0
        if kind == "E":
            return present > 1
        first = self.first < size and values[self.first] != ""
        if kind == "C":
            return first and present < len(self.positions)
        return first and present == 1  # L

    def __str__(self) -> str:
        return self.kind + "".join(f"{p:02d}" for p in self.positions)


@dataclass(frozen=True, slots=True)
class SegmentDef:
    elements: tuple[Element, ...]
    rules: tuple[SyntaxRule, ...] = ()
    name: str = ""
    required: tuple[int, ...] = ()  # positions of the mandatory elements

    @classmethod
    def of(cls, elements: tuple[Element, ...], rules: tuple[SyntaxRule, ...], name: str) -> SegmentDef:
        required = tuple(n for n, e in enumerate(elements, start=1) if e.required)
        return cls(elements, rules, name, required)


@dataclass(frozen=True, slots=True)
class Separators:
    component: str | None = None
    repetition: str | None = None


Report = Callable[[ProblemCode, str, Segment, "int | None", "int | None"], None]


def check_segment(definition: SegmentDef, segment: Segment, separators: Separators, report: Report) -> None:
    values = segment.elements
    tag = segment.tag
    elements = definition.elements
    count = len(values) - 1
    if count > len(elements):
        message = f"{tag} has {count} elements; at most {len(elements)} are defined"
        report(ProblemCode.TOO_MANY_ELEMENTS, message, segment, len(elements) + 1, None)
    for n in definition.required:
        if n > count or not values[n]:
            report(ProblemCode.MISSING_ELEMENT, f"{tag}{n:02d} ({elements[n - 1].name}) is required", segment, n, None)
    repetition = separators.repetition
    for n in range(1, min(count, len(elements)) + 1):
        value = values[n]
        if not value:
            continue
        if repetition and repetition in value:
            for repeat in value.split(repetition):
                if repeat:
                    _check_value(elements[n - 1], repeat, separators, segment, n, report)
        else:
            _check_value(elements[n - 1], value, separators, segment, n, report)
    for rule in definition.rules:
        # Most notes pair elements a segment leaves out: nothing to check unless one is there.
        if rule.kind != "R" and rule.first > count:
            continue
        if rule.broken(values):
            _report_rule(rule, values, segment, report)


def _check_value(
    element: Element, value: str, separators: Separators, segment: Segment, n: int, report: Report
) -> None:
    if element.type != "C":
        problem = value_problem(element, value)
        if problem is not None:
            report(problem[0], f"{segment.tag}{n:02d} {value!r}: {problem[1]}", segment, n, None)
        return
    where = f"{segment.tag}{n:02d}"
    parts = value.split(separators.component) if separators.component else [value]
    if len(parts) > len(element.components):
        message = f"{where} {value!r}: more than {len(element.components)} components"
        report(ProblemCode.TOO_MANY_COMPONENTS, message, segment, n, None)
    for k, component in enumerate(element.components, start=1):
        part = parts[k - 1] if k <= len(parts) else ""
        if not part:
            if component.required:
                message = f"{where} component {k} ({component.name}) is required"
                report(ProblemCode.MISSING_ELEMENT, message, segment, n, k)
            continue
        problem = value_problem(component, part)
        if problem is not None:
            report(problem[0], f"{where} component {k} {part!r}: {problem[1]}", segment, n, k)


def _report_rule(rule: SyntaxRule, values: Sequence[str], segment: Segment, report: Report) -> None:
    tag = segment.tag
    present = [p for p in rule.positions if p < len(values) and values[p]]
    missing = [p for p in rule.positions if p not in present]
    names = ", ".join(f"{tag}{p:02d}" for p in rule.positions)
    first = f"{tag}{rule.first:02d}"
    if rule.kind == "E":
        report(ProblemCode.EXCLUSION_VIOLATED, f"only one of {names} may be used ({rule})", segment, present[1], None)
    elif rule.kind == "R":
        message = f"at least one of {names} is required ({rule})"
        report(ProblemCode.CONDITIONAL_MISSING, message, segment, rule.first, None)
    elif rule.kind == "L":
        others = ", ".join(f"{tag}{p:02d}" for p in rule.positions[1:])
        message = f"one of {others} is required when {first} is present ({rule})"
        report(ProblemCode.CONDITIONAL_MISSING, message, segment, rule.positions[1], None)
    else:
        why = f"with the others of {names}" if rule.kind == "P" else f"when {first} is present"
        for p in missing:
            report(ProblemCode.CONDITIONAL_MISSING, f"{tag}{p:02d} is required {why} ({rule})", segment, p, None)


def value_problem(definition: Element, value: str) -> Found | None:
    kind = definition.type
    if kind[0] == "N" or kind == "R":
        return _number_problem(definition, value)
    if kind == "DT":
        if not is_digits(value) or len(value) not in (6, 8) or not _is_date(value):
            return ProblemCode.BAD_DATE, "not a date (CCYYMMDD)"
        return None
    if kind == "TM":
        if not is_digits(value) or not 4 <= len(value) <= 8 or int(value[:2]) > 23 or int(value[2:4]) > 59:
            return ProblemCode.BAD_TIME, "not a time (HHMM[SS[d..]])"
        return None
    if definition.codes and value not in definition.codes:
        return ProblemCode.BAD_CODE, f"not a code of element {definition.id} ({definition.name})"
    if not value.isprintable():
        return ProblemCode.BAD_CHARACTER, "holds a control character"
    return _length_problem(definition, len(value))


def _number_problem(definition: Element, value: str) -> Found | None:
    digits = value[1:] if value.startswith("-") else value
    if definition.type == "R":
        mantissa, _, exponent = digits.upper().partition("E")
        if (
            mantissa.count(".") > 1
            or not is_digits(mantissa.replace(".", "", 1))
            or (exponent and not is_digits(exponent.lstrip("-")))
        ):
            return ProblemCode.BAD_NUMBER, "not a decimal number"
        digits = mantissa.replace(".", "", 1)
    elif not is_digits(digits):
        return ProblemCode.BAD_NUMBER, "not a whole number"
    return _length_problem(definition, len(digits))


def _length_problem(definition: Element, length: int) -> Found | None:
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
