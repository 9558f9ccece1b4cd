"""CONTRL, the syntax and service report (UN/EDIFACT CONTRL:D:3:UN), answering each interchange.

Per interchange received, one CONTRL message (several in one interchange of ours when a file held
several; none for an interchange of CONTRLs only, which is never answered):

- UCI: its control reference (0020), its sender and recipient as received, the action (0083):
  7 acknowledged (lower levels too unless a UCM rejects them), 8 received (its envelope has a
  problem that we read past: a UNZ count or reference; each message then gets its own UCM, since
  8 does not acknowledge them), 4 rejected (a syntax version we do not read, 0085 2: nothing in it
  is processed), with the first envelope problem's 0085 code, segment tag and element position.
- UCM per message with a problem (or every message, with ``ContrlOptions.full_report``): its
  reference and S009, 7 acknowledged or 4 rejected, the UNH/UNT problem's code if any, 17 (no
  agreement) for a message type we do not take, then UCS (segment position in the message, UNH
  being 1) for each segment in error, with UCD (0085 and element:component position) for each of
  its elements in error.

``SYNTAX_ERRORS`` maps our ``ProblemCode``s to the service code list 0085 in one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import groupby

from pydifact.segments import Segment

from overture.channels.edifact.checks import CheckedMessage, Verdict
from overture.channels.edifact.envelope import Interchange
from overture.channels.edifact.errors import Problem, ProblemCode
from overture.channels.edifact.writer import Draft, Envelope, Style, write

IDENTIFIER = ("CONTRL", "D", "3", "UN")
SUPPORTED_SYNTAX_VERSIONS = frozenset({"3", "4"})
ENVELOPE_TAGS = frozenset({"UNH", "UNT"})
C = ProblemCode
# ProblemCode -> 0085 syntax error code (UNTDID service code list).
SYNTAX_ERRORS: dict[ProblemCode, str] = {
    C.NO_INTERCHANGE: "13",  # missing (UNB): never answered, there is no UNB to answer
    C.BAD_UNA: "22",  # invalid service character(s)
    C.SYNTAX_ERROR: "18",  # unspecified error
    C.BAD_UNB: "13",  # missing (a required UNB element)
    C.MISSING_UNZ: "13",
    C.INTERCHANGE_REFERENCE_MISMATCH: "28",  # references do not match
    C.INTERCHANGE_COUNT_MISMATCH: "29",  # control count does not match number of instances received
    C.MISSING_UNE: "13",
    C.GROUP_REFERENCE_MISMATCH: "28",
    C.GROUP_COUNT_MISMATCH: "29",
    C.SEGMENT_OUTSIDE_ENVELOPE: "33",  # invalid occurrence outside message, group or interchange
    C.MISSING_UNT: "13",
    C.MESSAGE_REFERENCE_MISMATCH: "28",
    C.SEGMENT_COUNT_MISMATCH: "29",
    C.BAD_MESSAGE_IDENTIFIER: "13",
    C.UNSUPPORTED_RELEASE: "14",  # value not supported in this position (UNH S009 0054)
    C.UNKNOWN_SEGMENT: "15",  # not supported in this position
    C.MISSING_SEGMENT: "13",
    C.SEGMENT_OUT_OF_ORDER: "15",
    C.TOO_MANY_SEGMENTS: "35",  # too many repetitions
    C.MISSING_ELEMENT: "13",
    C.TOO_MANY_ELEMENTS: "16",  # too many constituents
    C.TOO_MANY_COMPONENTS: "16",
    C.ELEMENT_TOO_LONG: "39",  # data element too long
    C.BAD_NUMBER: "37",  # invalid type of character(s)
    C.BAD_DATE: "12",  # invalid value
    C.BAD_CODE: "12",
    C.AMOUNT_MISMATCH: "12",
    C.LINE_COUNT_MISMATCH: "29",
}
SYNTAX_VERSION_NOT_SUPPORTED = "2"
NO_AGREEMENT = "17"  # a message type we take from no partner


class Action(StrEnum):
    """0083 action, coded."""

    REJECTED = "4"  # this level and all lower levels rejected
    ACKNOWLEDGED = "7"  # this level acknowledged, lower levels too unless explicitly rejected
    RECEIVED = "8"  # interchange received (its envelope has an error we read past)


@dataclass(frozen=True, slots=True)
class ContrlOptions:
    """What a CONTRL reports. Most hubs report errors only, beside the interchange's acknowledgement."""

    full_report: bool = False  # a UCM for every message, not only those in error


DEFAULT_OPTIONS = ContrlOptions()


def interchange_rejected(interchange: Interchange) -> bool:
    """Nothing in an interchange of a syntax version we do not read is processed."""
    return interchange.syntax[1] not in SUPPORTED_SYNTAX_VERSIONS


def answers(checked: Sequence[CheckedMessage]) -> list[tuple[Interchange, list[CheckedMessage]]]:
    """Each interchange to answer, with its messages (CONTRLs are never answered)."""
    found: dict[int, tuple[Interchange, list[CheckedMessage]]] = {}
    for c in checked:
        found.setdefault(id(c.interchange), (c.interchange, []))[1].append(c)
    return [(i, ms) for i, ms in found.values() if any(m.message.type != "CONTRL" for m in ms)]


def contrl_body(
    interchange: Interchange, checked: Sequence[CheckedMessage], options: ContrlOptions = DEFAULT_OPTIONS
) -> list[Segment]:
    """The CONTRL's segments (UCI, then UCM/UCS/UCD) answering one interchange."""
    uci, action = _uci(interchange)
    segments = [uci]
    for c in checked:
        if action is not Action.ACKNOWLEDGED or options.full_report or c.problems or not c.supported:
            segments += _ucm(c, rejected=action is Action.REJECTED)
    return segments


def write_contrl(
    envelope: Envelope,
    answered: Sequence[tuple[Interchange, Sequence[CheckedMessage]]],
    style: Style,
    options: ContrlOptions = DEFAULT_OPTIONS,
) -> str:
    """One interchange of ours with a CONTRL per interchange answered, checked by reading it back."""
    drafts = [Draft(IDENTIFIER, contrl_body(interchange, checked, options)) for interchange, checked in answered]
    return write(envelope, drafts, style)


def _uci(interchange: Interchange) -> tuple[Segment, Action]:
    header = interchange.header
    parties = [list(header.elements[n][:4]) if len(header.elements) > n else [""] for n in (1, 2)]
    reference = interchange.control_reference
    if interchange_rejected(interchange):
        error: list[str | list[str]] = [SYNTAX_VERSION_NOT_SUPPORTED, "UNB", ["1", "2"]]
        return Segment("UCI", reference, *parties, Action.REJECTED.value, *error), Action.REJECTED
    problems = interchange.problems + [p for g in interchange.groups for p in g.problems]
    if not problems:
        return Segment("UCI", reference, *parties, Action.ACKNOWLEDGED.value), Action.ACKNOWLEDGED
    first = min(problems, key=lambda p: p.segment_position or 0)
    return Segment("UCI", reference, *parties, Action.RECEIVED.value, *_where(first)), Action.RECEIVED


def _ucm(checked: CheckedMessage, *, rejected: bool) -> list[Segment]:
    message = checked.message
    identifier = [c for c in message.header.elements[1][:7]] if len(message.header.elements) > 1 else [""]
    envelope = [p for p in checked.problems if p.segment_id in ENVELOPE_TAGS]
    body = [p for p in checked.problems if p.segment_id not in ENVELOPE_TAGS]
    refused = rejected or checked.verdict is Verdict.REJECTED or not checked.supported
    action = Action.REJECTED if refused else Action.ACKNOWLEDGED
    error: list[str | list[str]] = []
    if envelope:
        error = _where(envelope[0])
    elif not checked.supported:
        error = [NO_AGREEMENT, "UNH", ["2", "1"]]
    ucm = Segment("UCM", message.reference, identifier, action.value, *error)
    return [ucm, *_ucs(body, message.header.position)]


def _ucs(problems: list[Problem], unh_position: int) -> list[Segment]:
    segments: list[Segment] = []
    ordered = sorted(
        problems, key=lambda p: (p.segment_position or 0, p.element_position or 0, p.component_position or 0)
    )
    for position, found in groupby(ordered, key=lambda p: p.segment_position or unh_position):
        in_segment = list(found)
        whole = next((p for p in in_segment if p.element_position is None), None)
        code = [SYNTAX_ERRORS[whole.code]] if whole is not None else []
        segments.append(Segment("UCS", str(position - unh_position + 1), *code))
        for p in in_segment:
            if p.element_position is not None:
                segments.append(Segment("UCD", SYNTAX_ERRORS[p.code], _element_position(p)))
    return segments


def _where(problem: Problem) -> list[str | list[str]]:
    """0085, 0135 and S011 of a problem in an envelope segment."""
    found: list[str | list[str]] = [SYNTAX_ERRORS[problem.code], problem.segment_id or ""]
    if problem.element_position is not None:
        found.append(_element_position(problem))
    return found


def _element_position(problem: Problem) -> list[str]:
    position = [str(problem.element_position)]
    return [*position, str(problem.component_position)] if problem.component_position is not None else position
