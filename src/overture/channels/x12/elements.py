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

    def __str__(self) -> str:
        return self.kind + "".join(f"{p:02d}" for p in self.positions)


@dataclass(frozen=True, slots=True)
class SegmentDef:
    elements: tuple[Element, ...]
    rules: tuple[SyntaxRule, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class Separators:
    component: str | None = None
    repetition: str | None = None


Report = Callable[[ProblemCode, str, Segment, "int | None", "int | None"], None]


def check_segment(definition: SegmentDef, segment: Segment, separators: Separators, report: Report) -> None:
    values = segment.elements
    tag = segment.tag
    elements = definition.elements
    if len(values) - 1 > len(elements):
        count = f"{tag} has {len(values) - 1} elements; at most {len(elements)} are defined"
        report(ProblemCode.TOO_MANY_ELEMENTS, count, segment, len(elements) + 1, None)
    for n, element in enumerate(elements, start=1):
        value = values[n] if n < len(values) else ""
        if not value:
            if element.required:
                report(ProblemCode.MISSING_ELEMENT, f"{tag}{n:02d} ({element.name}) is required", segment, n, None)
            continue
        repeats = (
            value.split(separators.repetition) if separators.repetition and separators.repetition in value else [value]
        )
        for repeat in repeats:
            _check_value(
                element,
                repeat,
                separators,
                lambda code, why, c=None, n=n: report(code, f"{tag}{n:02d} {why}", segment, n, c),
            )
    for rule in definition.rules:
        _check_rule(rule, values, segment, report)


def _check_value(element: Element, value: str, separators: Separators, found: Callable[..., None]) -> None:
    if element.type != "C":
        problem = value_problem(element, value)
        if problem is not None:
            found(problem[0], f"{value!r}: {problem[1]}")
        return
    parts = value.split(separators.component) if separators.component else [value]
    if len(parts) > len(element.components):
        found(ProblemCode.TOO_MANY_COMPONENTS, f"{value!r}: more than {len(element.components)} components")
    for k, component in enumerate(element.components, start=1):
        part = parts[k - 1] if k <= len(parts) else ""
        if not part:
            if component.required:
                found(ProblemCode.MISSING_ELEMENT, f"component {k} ({component.name}) is required", k)
            continue
        problem = value_problem(component, part)
        if problem is not None:
            found(problem[0], f"component {k} {part!r}: {problem[1]}", k)


def _check_rule(rule: SyntaxRule, values: Sequence[str], segment: Segment, report: Report) -> None:
    present = [p < len(values) and values[p] != "" for p in rule.positions]
    missing = [p for p, here in zip(rule.positions, present, strict=True) if not here]
    first, rest = present[0], present[1:]
    tag = segment.tag
    names = ", ".join(f"{tag}{p:02d}" for p in rule.positions)
    if rule.kind == "P" and any(present) and missing:
        for p in missing:
            report(
                ProblemCode.CONDITIONAL_MISSING,
                f"{tag}{p:02d} is required with the others of {names} ({rule})",
                segment,
                p,
                None,
            )
    elif rule.kind == "R" and not any(present):
        report(
            ProblemCode.CONDITIONAL_MISSING,
            f"at least one of {names} is required ({rule})",
            segment,
            rule.positions[0],
            None,
        )
    elif rule.kind == "E" and sum(present) > 1:
        second = [p for p, here in zip(rule.positions, present, strict=True) if here][1]
        report(ProblemCode.EXCLUSION_VIOLATED, f"only one of {names} may be used ({rule})", segment, second, None)
    elif rule.kind == "C" and first and missing:
        for p in missing:
            report(
                ProblemCode.CONDITIONAL_MISSING,
                f"{tag}{p:02d} is required when {tag}{rule.positions[0]:02d} is present ({rule})",
                segment,
                p,
                None,
            )
    elif rule.kind == "L" and first and not any(rest):
        others = ", ".join(f"{tag}{p:02d}" for p in rule.positions[1:])
        report(
            ProblemCode.CONDITIONAL_MISSING,
            f"one of {others} is required when {tag}{rule.positions[0]:02d} is present ({rule})",
            segment,
            rule.positions[1],
            None,
        )


def value_problem(definition: Element, value: str) -> Found | None:
    kind = definition.type
    if kind[0] == "N" or kind == "R":
        return _number_problem(definition, value)
    if kind == "DT":
        if not value.isdigit() or len(value) not in (6, 8) or not _is_date(value):
            return ProblemCode.BAD_DATE, "not a date (CCYYMMDD)"
        return None
    if kind == "TM":
        if not value.isdigit() or not 4 <= len(value) <= 8 or int(value[:2]) > 23 or int(value[2:4]) > 59:
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
            or not mantissa.replace(".", "", 1).isdigit()
            or (exponent and not exponent.lstrip("-").isdigit())
        ):
            return ProblemCode.BAD_NUMBER, "not a decimal number"
        digits = mantissa.replace(".", "", 1)
    elif not digits.isdigit():
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
