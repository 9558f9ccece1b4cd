"""EDIFACT text into positioned segments, tokenized by pydifact.

The service characters come from the UNA service string advice when the text begins with one,
else they are the defaults (``:+.? '``). pydifact's ``Tokenizer`` and ``Parser`` split the text
into raw segments (release character ``?`` honoured); we only number them and give each element
a fixed shape (a tuple of components). We do not call ``Parser.parse`` itself because it looks
for ``'UNA`` anywhere in the text and silently drops whatever comes before it, and because it
validates service segments against directory files the wheel does not ship (warnings only).

Layout that is not EDIFACT is forgiven the way translators do: a byte-order mark, line breaks
when the segment terminator is not one (files wrapped at 80 columns), and spaces or tabs before
a segment tag. Several interchanges may follow each other, each with its own UNA.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydifact.constants import Element, Elements
from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.serializer import Serializer
from pydifact.tokenizer import Tokenizer

from overture.channels.edifact.errors import EdifactError, Problem, ProblemCode

DEFAULT_CHARACTERS = ":+.? '"
_LINE_BREAKS = ("\r", "\n")


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its tag, its data elements (each a tuple of components) and its place in the file."""

    tag: str
    elements: tuple[tuple[str, ...], ...]
    position: int  # 1-based in the file; a UNA counts as a segment

    def get(self, element: int, component: int = 1) -> str:
        """Component ``component`` of data element ``element`` (both 1-based), or '' when absent."""
        if not 0 < element <= len(self.elements):
            return ""
        components = self.elements[element - 1]
        return components[component - 1] if 0 < component <= len(components) else ""


@dataclass(frozen=True, slots=True)
class Chunk:
    """The segments read with one set of service characters (one UNA, or the defaults)."""

    characters: Characters
    una: Segment | None
    segments: list[Segment]


def decode(data: bytes) -> str:
    # UNOA..UNOC files are ASCII or Latin-1, UNOW/UNOY are UTF-8: UTF-8 first, since Latin-1 text
    # with accented letters is almost never valid UTF-8, and Latin-1 decodes any byte.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_chunks(data: bytes | str) -> list[Chunk]:
    """Every segment of the file. Raises EdifactError only when the text is not EDIFACT at all."""
    text = decode(data) if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff \t\r\n").rstrip("\x00\x1a")  # BOM and DOS end-of-file marks
    if not text.startswith(("UNA", "UNB")):
        found = text[:3] or "nothing"
        raise EdifactError(Problem(ProblemCode.NO_INTERCHANGE, f"the file begins with {found!r}, not UNA or UNB", 1))
    chunks: list[Chunk] = []
    position = 1
    while text:
        characters, una, body = _service_characters(text, position)
        body, text = _split_at_next_una(body, characters)
        first = position + (1 if una is not None else 0)
        segments = _tokenize(body, characters, first)
        chunks.append(Chunk(characters, una, segments))
        position = first + len(segments)
    return chunks


def to_text(segments: list[Segment], characters: Characters) -> str:
    """Segments as EDIFACT text behind a UNA, escaped by pydifact's serializer.

    Written here rather than through pydifact's ``Segment`` because that warns on a segment with
    no elements (``ODI'`` is legal) and refuses tags that are not three capitals."""
    serializer = Serializer(characters)
    component, data, terminator = (
        characters.component_separator,
        characters.data_separator,
        characters.segment_terminator,
    )
    parts = [characters.service_string_advice]
    for segment in segments:
        elements = [component.join(serializer.escape(c) for c in element) for element in segment.elements]
        parts.append(data.join([segment.tag, *elements]) + terminator)
    return "".join(parts)


def _service_characters(text: str, position: int) -> tuple[Characters, Segment | None, str]:
    if not text.startswith("UNA"):
        return Characters.from_str(DEFAULT_CHARACTERS), None, _unwrapped(text, DEFAULT_CHARACTERS)
    advice = text[3:9]
    # Component, data, release and terminator must differ, or the text cannot be split unambiguously.
    if len(advice) < 6 or len({advice[0], advice[1], advice[3], advice[5]}) < 4:
        raise EdifactError(
            Problem(ProblemCode.BAD_UNA, f"UNA {advice!r} does not name 6 distinct service characters", position, "UNA")
        )
    una = Segment("UNA", ((advice,),), position)
    return Characters.from_str(advice), una, _unwrapped(text[9:], advice)


def _unwrapped(body: str, advice: str) -> str:
    # Line breaks are layout unless one of them is a service character (e.g. the terminator).
    if any(c in advice for c in _LINE_BREAKS):
        return body
    return body.replace("\r", "").replace("\n", "")


def _split_at_next_una(body: str, characters: Characters) -> tuple[str, str]:
    """This interchange's text, and the rest from the next UNA on (a UNA may only start a segment)."""
    terminator, release = characters.segment_terminator, characters.escape_character
    start = 0
    while (found := body.find(terminator + "UNA", start)) >= 0:
        before = body[:found]
        released = len(before) - len(before.rstrip(release))
        if released % 2 == 0:  # an odd run of release characters makes the terminator plain text
            return body[: found + 1], body[found + 1 :]
        start = found + 1
    return body, ""


def _tokenize(body: str, characters: Characters, first: int) -> list[Segment]:
    parser = Parser(characters=characters)
    tokens = Tokenizer().get_tokens(body, characters)
    segments: list[Segment] = []
    try:
        for raw in parser.convert_tokens_to_raw_segments(tokens):
            segments.append(_segment(raw, first + len(segments), characters.component_separator))
    except EDISyntaxError as error:
        # The tokenizer's only complaints: text after the last terminator, a released line break.
        reason = str(error).removeprefix("EDIFACT Syntax Error: ")
        terminator = characters.segment_terminator
        message = f"{reason} (is the segment terminator {terminator!r} missing at the end?)"
        raise EdifactError(Problem(ProblemCode.SYNTAX_ERROR, message, first + len(segments))) from error
    return segments


def _segment(raw: Elements, position: int, component_separator: str) -> Segment:
    name, *rest = raw
    tag = name if isinstance(name, str) else component_separator.join(name)
    # Spaces and tabs before a tag are indentation (some partners indent segment groups).
    return Segment(tag.strip(" \t"), tuple(_components(element) for element in rest), position)


def _components(element: Element) -> tuple[str, ...]:
    return (element,) if isinstance(element, str) else tuple(element)
