"""X12 text into segments, with the delimiters each interchange declares in its ISA header.

Tolerates what trading partners actually send: a UTF-8 byte-order mark, CRLF or newline
segment terminators, line breaks and indentation between segments, any single-character
terminator (``~``, ``'``, even ``…``), fields padded with non-breaking spaces (so the ISA is not
always 106 characters) and several interchanges per file, each with its own delimiters.

Speed matters (a file can be tens of megabytes), so the work is done by ``str.split`` and
``str.find``; Python runs once per segment, not per character.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from overture.channels.x12.errors import Problem, ProblemCode, X12Error

ISA_ELEMENTS = 16
NO_COMPONENT = "\x1f"  # stands in for a component separator the ISA left out: it never occurs in data
# Whitespace, and the padding old systems leave after the last segment (NULs to a block size, a DOS
# end-of-file Ctrl-Z): never data at either end of a segment.
_WHITESPACE = " \t\r\n\x0b\x0c\xa0\ufeff\x00\x1a"


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str | None = None  # ISA11 from version 00402 on, when it is not a letter or digit

    def all(self) -> frozenset[str]:
        return frozenset(d for d in (self.element, self.component, self.segment, self.repetition) if d)


@dataclass(slots=True)
class Segment:
    """One segment. ``elements[0]`` is the segment id, so ``elements[3]`` is element 03 as X12 numbers it."""

    elements: list[str]
    position: int  # 1-based, counted over the whole file

    @property
    def tag(self) -> str:
        return self.elements[0]

    def get(self, n: int) -> str:
        """Element n, or "" when the segment is shorter (trailing empty elements may be left out)."""
        return self.elements[n] if n < len(self.elements) else ""

    def components(self, n: int, delimiters: Delimiters) -> list[str]:
        return self.get(n).split(delimiters.component)

    def id_pairs(self, first: int) -> dict[str, str]:
        """Qualifier/value pairs from element ``first`` on (PO106-25, POC08-27, LIN02-31): the first value
        of each qualifier, in the order sent; a pair missing either half is skipped."""
        pairs: dict[str, str] = {}
        for k in range(first, len(self.elements) - 1, 2):
            qualifier, value = self.elements[k], self.elements[k + 1]
            if qualifier and value:
                pairs.setdefault(qualifier, value)
        return pairs


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without a BOM), else Latin-1, which reads any byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_delimiters(text: str, start: int) -> Delimiters:
    """The delimiters an ISA header at ``start`` declares.

    The element separator follows "ISA"; ISA16 (the component separator) follows the 16th element
    separator, and the segment terminator follows ISA16. Counting separators rather than
    columns reads padded-with-anything headers too.
    """
    if not text.startswith("ISA", start) or len(text) < start + 4:
        raise X12Error(Problem(ProblemCode.NO_INTERCHANGE, "the document does not start with an ISA header", 1, "ISA"))
    element = text[start + 3]
    if element.isalnum() or element in _WHITESPACE:
        raise X12Error(Problem(ProblemCode.BAD_ISA, f"{element!r} cannot be the element separator", 1, "ISA", 1))
    pos = start + 3
    for n in range(2, ISA_ELEMENTS + 1):
        pos = text.find(element, pos + 1)
        if pos < 0:
            raise X12Error(Problem(ProblemCode.BAD_ISA, f"the ISA header ends before element {n:02d}", 1, "ISA", n))
    if pos + 1 >= len(text):
        raise X12Error(Problem(ProblemCode.BAD_ISA, "the ISA header ends before ISA16", 1, "ISA", 16))
    component = text[pos + 1]
    if pos + 2 >= len(text):
        raise X12Error(Problem(ProblemCode.BAD_ISA, "no segment terminator after ISA16", 1, "ISA", 16))
    at = pos + 2
    while text[at] in " \t" and at + 1 < len(text):
        at += 1  # a terminator is never a space: "P*>  \n" pads the ISA before its line break
    segment = text[at]
    if segment in "\r\n" and _ends_lines(text, at, component):
        # ISA16 left out: what looked like it ends every line, so it is the terminator. The
        # envelope reader reports the empty ISA16; components cannot be told apart.
        component, segment = NO_COMPONENT, component
    if segment == "\r" and text.startswith("\n", at + 1):
        segment = "\n"  # CRLF: split on LF, the CR is stripped as whitespace
    if segment in (element, component) or segment.isalnum():
        raise X12Error(Problem(ProblemCode.BAD_ISA, f"{segment!r} cannot be the segment terminator", 1, "ISA", 16))
    isa11 = text[start:pos].split(element)[11] if text.count(element, start, pos) >= 11 else ""
    repetition = isa11 if len(isa11) == 1 and not isa11.isalnum() and isa11 not in (element, component) else None
    return Delimiters(element, component, segment, repetition)


def tokenize(text: str) -> Iterator[tuple[Delimiters, list[Segment]]]:
    """The document's segments, in runs that share the delimiters of the interchange they belong to.

    Raises X12Error only if the document does not begin with a readable ISA header; whatever
    comes after is reported by the envelope reader, segment by segment.
    """
    start = _skip_whitespace(text, 0)
    if start >= len(text):
        raise X12Error(Problem(ProblemCode.NO_INTERCHANGE, "the document is empty"))
    position = 0
    while True:
        delimiters = read_delimiters(text, start)
        term, sep = delimiters.segment, delimiters.element
        chunk = text[start:]
        if term not in "\r\n":
            # Line breaks are never data in X12: some senders wrap files at 80 columns.
            chunk = chunk.replace("\r", "").replace("\n", "")
        parts = chunk.split(term)
        segments: list[Segment] = []
        restart: int | None = None
        for index, part in enumerate(parts):
            if not part or part[0] in _WHITESPACE or part[-1] in _WHITESPACE:
                part = part.strip(_WHITESPACE)
                if not part:
                    continue
            if segments and part.startswith("ISA"):
                lead = _offset_of(parts, index, term, chunk)
                if _declares_other_delimiters(chunk, lead, delimiters):
                    restart = lead
                    break
            position += 1
            segments.append(Segment(part.split(sep), position))
        yield delimiters, segments
        if restart is None:
            return
        text, start = chunk, restart


def _offset_of(parts: list[str], index: int, term: str, chunk: str) -> int:
    """Where part ``index`` of ``chunk.split(term)`` begins, past leading whitespace (rare: a new ISA)."""
    offset = sum(len(p) for p in parts[:index]) + index * len(term)
    return _skip_whitespace(chunk, offset)


def _ends_lines(text: str, newline_at: int, candidate: str) -> bool:
    """Does ``candidate`` end the next line too (``...~\nGS*...~\n``)?"""
    next_break = text.find("\n", newline_at + 1)
    line = text[newline_at + 1 : next_break if next_break > 0 else len(text)].rstrip("\r")
    return bool(line) and line.endswith(candidate)


def _declares_other_delimiters(text: str, start: int, current: Delimiters) -> bool:
    try:
        return read_delimiters(text, start) != current
    except X12Error:
        return False  # a broken ISA inside the file is reported by the envelope reader


def _skip_whitespace(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos
