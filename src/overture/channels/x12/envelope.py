"""Interchanges, functional groups and transaction sets, with their envelopes checked.

ISA/IEA, GS/GE and ST/SE must pair up, their control numbers must match and their counts must
be right. Each mismatch is a positioned ``Problem`` kept with the envelope it concerns, so one
bad transaction set does not hide the good ones beside it (the 997 says which is which).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from overture.channels.interchange import Closing, PositionedSegment, closing_problems
from overture.channels.x12.errors import Problem, ProblemCode
from overture.channels.x12.tokenizer import Delimiters, Segment, decode, tokenize
from overture.domain.digits import is_digits


@dataclass(slots=True)
class Transaction:
    header: Segment  # ST
    body: list[Segment] = field(default_factory=list)
    trailer: Segment | None = None  # SE
    problems: list[Problem] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.header.get(1)

    @property
    def control_number(self) -> str:
        return self.header.get(2)

    @property
    def segments(self) -> list[Segment]:
        """ST, the body and SE, as counted by SE01."""
        return [self.header, *self.body, *([self.trailer] if self.trailer else [])]


@dataclass(slots=True)
class Group:
    header: Segment  # GS
    transactions: list[Transaction] = field(default_factory=list)
    trailer: Segment | None = None  # GE
    problems: list[Problem] = field(default_factory=list)

    @property
    def functional_id(self) -> str:
        return self.header.get(1)

    @property
    def control_number(self) -> str:
        return self.header.get(6)

    @property
    def version(self) -> str:
        return self.header.get(8)


@dataclass(slots=True)
class Interchange:
    header: Segment  # ISA
    delimiters: Delimiters
    groups: list[Group] = field(default_factory=list)
    trailer: Segment | None = None  # IEA
    problems: list[Problem] = field(default_factory=list)

    @property
    def control_number(self) -> str:
        return self.header.get(13)

    @property
    def sender(self) -> tuple[str, str]:
        return self.header.get(5).strip(), self.header.get(6).strip()

    @property
    def receiver(self) -> tuple[str, str]:
        return self.header.get(7).strip(), self.header.get(8).strip()


@dataclass(slots=True)
class Document:
    interchanges: list[Interchange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # segments outside every envelope

    def transactions(self) -> Iterable[tuple[Interchange, Group, Transaction]]:
        for interchange in self.interchanges:
            for group in interchange.groups:
                for transaction in group.transactions:
                    yield interchange, group, transaction

    def all_problems(self) -> list[Problem]:
        found = list(self.problems)
        for interchange in self.interchanges:
            found += interchange.problems
            for group in interchange.groups:
                found += group.problems
                for transaction in group.transactions:
                    found += transaction.problems
        return found


INTERCHANGE_CONTROL = frozenset({"ISB", "ISE", "TA1"})
ENVELOPE_TAGS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})


def read(data: bytes | str) -> Document:
    """Read a whole file. Raises X12Error only when it does not begin with a readable ISA header."""
    text = decode(data) if isinstance(data, bytes) else data
    reader = _Reader()
    feed = reader.feed
    for delimiters, segments in tokenize(text):
        for segment in segments:
            # The hot path, inlined: a segment inside an open transaction set joins its body.
            body = reader.open_body
            if body is not None and segment.elements[0] not in ENVELOPE_TAGS:
                body.append(segment)
            else:
                feed(delimiters, segment)
    return reader.finish()


def _problem(code: ProblemCode, message: str, segment: PositionedSegment, element: int | None = None) -> Problem:
    return Problem(code, message, segment.position, segment.tag, element)


C = ProblemCode
_SE = Closing(
    "ST",
    "SE",
    "ST02",
    "SE02",
    "SE01",
    "segments",
    "the set",
    C.MISSING_SE,
    C.TRANSACTION_CONTROL_MISMATCH,
    C.SEGMENT_COUNT_MISMATCH,
)
_GE = Closing(
    "GS",
    "GE",
    "GS06",
    "GE02",
    "GE01",
    "transaction sets",
    "the group",
    C.MISSING_GE,
    C.GROUP_CONTROL_MISMATCH,
    C.TRANSACTION_COUNT_MISMATCH,
)
_IEA = Closing(
    "ISA",
    "IEA",
    "ISA13",
    "IEA02",
    "IEA01",
    "groups",
    "the interchange",
    C.MISSING_IEA,
    C.INTERCHANGE_CONTROL_MISMATCH,
    C.GROUP_COUNT_MISMATCH,
)


def _closing(
    closing: Closing[ProblemCode], header: Segment, trailer: Segment | None, *, reference: str, counted: int
) -> list[Problem]:
    values = (trailer.get(1), trailer.get(2)) if trailer is not None else ("", "")
    return closing_problems(
        closing, header, trailer, reference=reference, trailer_values=values, counted=counted, problem=_problem
    )


class _Reader:
    """A small state machine over segments: where are we, ISA, GS or ST level?"""

    def __init__(self) -> None:
        self.document = Document()
        self.interchange: Interchange | None = None
        self.group: Group | None = None
        self.transaction: Transaction | None = None
        self.open_body: list[Segment] | None = None  # the body of the open transaction set, if any

    def feed(self, delimiters: Delimiters, segment: Segment) -> None:
        tag = segment.tag
        if self.transaction is not None and tag not in ("SE", "GE", "IEA", "ISA", "GS", "ST"):
            self.transaction.body.append(segment)
            return
        if tag in INTERCHANGE_CONTROL and self.interchange is not None and self.group is None:
            return  # ISB, ISE and TA1 belong between ISA and the first GS
        handler = {"ISA": self._isa, "GS": self._gs, "ST": self._st, "SE": self._se, "GE": self._ge, "IEA": self._iea}
        if tag in handler:
            handler[tag](delimiters, segment)
        else:
            self._stray(segment)

    def finish(self) -> Document:
        if self.interchange is not None:
            self._close_interchange(None)
        return self.document

    # ---- openers ----------------------------------------------------------------------

    def _isa(self, delimiters: Delimiters, segment: Segment) -> None:
        if self.interchange is not None:
            self._close_interchange(None)
        interchange = Interchange(segment, delimiters)
        if len(segment.elements) != 17:
            interchange.problems.append(
                _problem(ProblemCode.BAD_ISA, f"ISA has {len(segment.elements) - 1} elements, not 16", segment)
            )
        if segment.get(16) != delimiters.component:
            interchange.problems.append(
                _problem(ProblemCode.BAD_ISA, "ISA16, the component separator, is missing", segment, 16)
            )
        control = segment.get(13)
        if not (is_digits(control) and len(control) == 9):
            interchange.problems.append(
                _problem(ProblemCode.BAD_ISA, f"ISA13 {control!r} is not a 9-digit control number", segment, 13)
            )
        self.document.interchanges.append(interchange)
        self.interchange = interchange

    def _gs(self, _: Delimiters, segment: Segment) -> None:
        if self.interchange is None:
            self._stray(segment)
            return
        if self.group is not None:
            self._close_group(None)
        self.group = Group(segment)
        self.interchange.groups.append(self.group)

    def _st(self, _: Delimiters, segment: Segment) -> None:
        if self.group is None:
            self._stray(segment)
            return
        if self.transaction is not None:
            self._close_transaction(None)
        self.transaction = Transaction(segment)
        self.group.transactions.append(self.transaction)
        self.open_body = self.transaction.body

    # ---- closers ----------------------------------------------------------------------

    def _se(self, _: Delimiters, segment: Segment) -> None:
        if self.transaction is None:
            self._stray(segment)
            return
        self._close_transaction(segment)

    def _ge(self, _: Delimiters, segment: Segment) -> None:
        if self.group is None:
            self._stray(segment)
            return
        self._close_group(segment)

    def _iea(self, _: Delimiters, segment: Segment) -> None:
        if self.interchange is None:
            self._stray(segment)
            return
        self._close_interchange(segment)

    def _close_transaction(self, trailer: Segment | None) -> None:
        transaction = self.transaction
        assert transaction is not None
        self.transaction = None
        self.open_body = None
        transaction.trailer = trailer
        transaction.problems += _closing(
            _SE, transaction.header, trailer, reference=transaction.control_number, counted=len(transaction.body) + 2
        )

    def _close_group(self, trailer: Segment | None) -> None:
        if self.transaction is not None:
            self._close_transaction(None)
        group = self.group
        assert group is not None
        self.group = None
        group.trailer = trailer
        group.problems += _closing(
            _GE, group.header, trailer, reference=group.control_number, counted=len(group.transactions)
        )

    def _close_interchange(self, trailer: Segment | None) -> None:
        if self.group is not None:
            self._close_group(None)
        interchange = self.interchange
        assert interchange is not None
        self.interchange = None
        interchange.trailer = trailer
        interchange.problems += _closing(
            _IEA, interchange.header, trailer, reference=interchange.control_number, counted=len(interchange.groups)
        )

    def _stray(self, segment: Segment) -> None:
        where = "a transaction set" if self.group is not None else "a functional group"
        if self.interchange is None:
            where = "an interchange"
        problem = _problem(ProblemCode.SEGMENT_OUTSIDE_ENVELOPE, f"{segment.tag} is outside {where}", segment)
        target = self.group or self.interchange
        (target.problems if target is not None else self.document.problems).append(problem)
