"""Interchanges, functional groups and messages, with their envelopes checked.

UNB/UNZ, the optional UNG/UNE and UNH/UNT must pair up, their references must match and their
counts must be right (UNT counts the message's segments from UNH to UNT, UNE the group's
messages, UNZ the groups when there are any, else the messages). Each mismatch is a positioned
``Problem`` kept with the envelope it concerns, so one bad message does not hide the good ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from pydifact.control.characters import Characters

from overture.channels.edifact.errors import EdifactError, Problem, ProblemCode
from overture.channels.edifact.syntax import Segment, read_chunks
from overture.channels.interchange import Closing, PositionedSegment, closing_problems

ENVELOPE_TAGS = frozenset({"UNB", "UNZ", "UNG", "UNE", "UNH", "UNT"})


@dataclass(slots=True)
class Message:
    header: Segment  # UNH
    body: list[Segment] = field(default_factory=list)
    trailer: Segment | None = None  # UNT
    problems: list[Problem] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return self.header.get(1)

    @property
    def type(self) -> str:
        return self.header.get(2, 1)

    @property
    def version(self) -> str:
        return self.header.get(2, 2)

    @property
    def release(self) -> str:
        return self.header.get(2, 3)

    @property
    def association(self) -> str:
        """The association assigned code, e.g. EAN008 for an EANCOM subset."""
        return self.header.get(2, 5)

    @property
    def segments(self) -> list[Segment]:
        """UNH, the body and UNT, as counted by UNT's first element."""
        return [self.header, *self.body, *([self.trailer] if self.trailer else [])]


@dataclass(slots=True)
class Group:
    header: Segment  # UNG
    messages: list[Message] = field(default_factory=list)
    trailer: Segment | None = None  # UNE
    problems: list[Problem] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return self.header.get(5)


@dataclass(slots=True)
class Interchange:
    header: Segment  # UNB
    characters: Characters
    una: Segment | None = None
    groups: list[Group] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # every message, in a group or not, in file order
    trailer: Segment | None = None  # UNZ
    problems: list[Problem] = field(default_factory=list)

    @property
    def control_reference(self) -> str:
        return self.header.get(5)

    @property
    def syntax(self) -> tuple[str, str]:
        return self.header.get(1, 1), self.header.get(1, 2)

    @property
    def sender(self) -> tuple[str, str]:
        """UNB S002: identification and its code qualifier (14 for a GLN, ZZZ mutually defined, ...)."""
        return self.header.get(2, 1), self.header.get(2, 2)

    @property
    def recipient(self) -> tuple[str, str]:
        return self.header.get(3, 1), self.header.get(3, 2)


@dataclass(slots=True)
class Document:
    interchanges: list[Interchange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # segments outside every interchange

    def messages(self) -> Iterable[tuple[Interchange, Message]]:
        for interchange in self.interchanges:
            for message in interchange.messages:
                yield interchange, message

    def all_problems(self) -> list[Problem]:
        found = list(self.problems)
        for interchange in self.interchanges:
            found += interchange.problems
            for group in interchange.groups:
                found += group.problems
            for message in interchange.messages:
                found += message.problems
        return found


def read(data: bytes | str) -> Document:
    """Read a whole file. Raises EdifactError only when it is not EDIFACT (no UNA/UNB, unreadable)."""
    chunks = read_chunks(data)
    first = chunks[0].segments
    if not first or first[0].tag != "UNB":
        found = first[0] if first else None
        what = repr(found.tag) if found else "nothing"
        problem = Problem(ProblemCode.NO_INTERCHANGE, f"{what} where UNB should begin the interchange")
        if found is not None:
            problem = Problem(problem.code, problem.message, found.position, found.tag)
        raise EdifactError(problem)
    reader = _Reader()
    for chunk in chunks:
        reader.characters, reader.una = chunk.characters, chunk.una
        for segment in chunk.segments:
            reader.feed(segment)
    return reader.finish()


def _problem(code: ProblemCode, message: str, segment: PositionedSegment, element: int | None = None) -> Problem:
    return Problem(code, message, segment.position, segment.tag, element)


C = ProblemCode
_UNT = Closing(
    "UNH",
    "UNT",
    "UNH",
    "UNT reference",
    "UNT",
    "segments",
    "the message",
    C.MISSING_UNT,
    C.MESSAGE_REFERENCE_MISMATCH,
    C.SEGMENT_COUNT_MISMATCH,
)
_UNE = Closing(
    "UNG",
    "UNE",
    "UNG",
    "UNE reference",
    "UNE",
    "messages",
    "the group",
    C.MISSING_UNE,
    C.GROUP_REFERENCE_MISMATCH,
    C.GROUP_COUNT_MISMATCH,
)
_UNZ_GROUPS = Closing(
    "UNB",
    "UNZ",
    "UNB",
    "UNZ reference",
    "UNZ",
    "groups",
    "the interchange",
    C.MISSING_UNZ,
    C.INTERCHANGE_REFERENCE_MISMATCH,
    C.INTERCHANGE_COUNT_MISMATCH,
)
_UNZ_MESSAGES = replace(_UNZ_GROUPS, counts="messages")


def _closing(
    closing: Closing[ProblemCode], header: Segment, trailer: Segment | None, *, reference: str, counted: int
) -> list[Problem]:
    values = (trailer.get(1), trailer.get(2)) if trailer is not None else ("", "")
    return closing_problems(
        closing, header, trailer, reference=reference, trailer_values=values, counted=counted, problem=_problem
    )


def _unb_problems(unb: Segment) -> list[Problem]:
    required = (
        (1, 1, "syntax identifier"),
        (1, 2, "syntax version"),
        (2, 1, "sender"),
        (3, 1, "recipient"),
        (4, 1, "date of preparation"),
        (5, 1, "interchange control reference"),
    )
    return [
        Problem(ProblemCode.BAD_UNB, f"UNB has no {name}", unb.position, "UNB", element, component)
        for element, component, name in required
        if not unb.get(element, component)
    ]


def _unh_problems(unh: Segment) -> list[Problem]:
    if not unh.get(1):
        return [_problem(ProblemCode.BAD_MESSAGE_IDENTIFIER, "UNH has no message reference number", unh, 1)]
    names = ("message type", "version", "release", "controlling agency")
    return [
        Problem(ProblemCode.BAD_MESSAGE_IDENTIFIER, f"UNH has no {name}", unh.position, "UNH", 2, n)
        for n, name in enumerate(names, start=1)
        if not unh.get(2, n)
    ]


class _Reader:
    """A small state machine over segments: are we in an interchange, a group, a message?"""

    def __init__(self) -> None:
        self.document = Document()
        self.characters = Characters.from_str(":+.? '")
        self.una: Segment | None = None
        self.interchange: Interchange | None = None
        self.group: Group | None = None
        self.message: Message | None = None

    def feed(self, segment: Segment) -> None:
        tag = segment.tag
        if self.message is not None and tag not in ENVELOPE_TAGS:
            self.message.body.append(segment)
            return
        handler = {
            "UNB": self._unb,
            "UNG": self._ung,
            "UNH": self._unh,
            "UNT": self._unt,
            "UNE": self._une,
            "UNZ": self._unz,
        }.get(tag, self._stray)
        handler(segment)

    def finish(self) -> Document:
        if self.interchange is not None:
            self._close_interchange(None)
        return self.document

    # ---- openers --------------------------------------------------------------------

    def _unb(self, segment: Segment) -> None:
        if self.interchange is not None:
            self._close_interchange(None)
        interchange = Interchange(segment, self.characters, self.una, problems=_unb_problems(segment))
        self.una = None
        self.document.interchanges.append(interchange)
        self.interchange = interchange

    def _ung(self, segment: Segment) -> None:
        if self.interchange is None:
            self._stray(segment)
            return
        if self.group is not None:
            self._close_group(None)
        self.group = Group(segment)
        self.interchange.groups.append(self.group)

    def _unh(self, segment: Segment) -> None:
        if self.interchange is None:
            self._stray(segment)
            return
        if self.message is not None:
            self._close_message(None)
        self.message = Message(segment, problems=_unh_problems(segment))
        self.interchange.messages.append(self.message)
        if self.group is not None:
            self.group.messages.append(self.message)

    # ---- closers --------------------------------------------------------------------

    def _unt(self, segment: Segment) -> None:
        if self.message is None:
            self._stray(segment)
            return
        self._close_message(segment)

    def _une(self, segment: Segment) -> None:
        if self.group is None:
            self._stray(segment)
            return
        self._close_group(segment)

    def _unz(self, segment: Segment) -> None:
        if self.interchange is None:
            self._stray(segment)
            return
        self._close_interchange(segment)

    def _close_message(self, trailer: Segment | None) -> None:
        message = self.message
        assert message is not None
        self.message = None
        message.trailer = trailer
        message.problems += _closing(
            _UNT, message.header, trailer, reference=message.reference, counted=len(message.body) + 2
        )

    def _close_group(self, trailer: Segment | None) -> None:
        if self.message is not None:
            self._close_message(None)
        group = self.group
        assert group is not None
        self.group = None
        group.trailer = trailer
        group.problems += _closing(_UNE, group.header, trailer, reference=group.reference, counted=len(group.messages))

    def _close_interchange(self, trailer: Segment | None) -> None:
        if self.group is not None:
            self._close_group(None)
        if self.message is not None:
            self._close_message(None)
        interchange = self.interchange
        assert interchange is not None
        self.interchange = None
        interchange.trailer = trailer
        # UNZ counts the functional groups when there are any, else the messages.
        closing, counted = _UNZ_MESSAGES, len(interchange.messages)
        if interchange.groups:
            closing, counted = _UNZ_GROUPS, len(interchange.groups)
        reference = interchange.control_reference
        interchange.problems += _closing(closing, interchange.header, trailer, reference=reference, counted=counted)

    def _stray(self, segment: Segment) -> None:
        where = "a message" if self.interchange is not None else "an interchange"
        problem = _problem(ProblemCode.SEGMENT_OUTSIDE_ENVELOPE, f"{segment.tag!r} is outside {where}", segment)
        target = self.interchange.problems if self.interchange is not None else self.document.problems
        target.append(problem)
