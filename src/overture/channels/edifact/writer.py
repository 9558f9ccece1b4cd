"""Writing the interchanges we send (CONTRL, APERAK, ORDRSP, DESADV, INVOIC) in the partner's style.

The partner's ``Style`` is taken from what it sent: the syntax identifier and version (UNOC:3 or
UNOC:4), the service characters of its UNA (or the defaults), and the directory release of its
messages (D:96A, or D:01B when it wrote D:01B). pydifact writes the text (UNA, UNB, UNH/UNT with
the segment count, UNZ with the message count, release-character escaping); syntax 4 wants a
four-digit year in UNB, which pydifact's ``Interchange`` does not write, so ``_Interchange`` does.

``write`` reads what it wrote back twice, with our reader and checks (every message accepted
without a problem, each of a type we have a schema for) and with pydifact's own parser, and raises
``NotWritten`` rather than hand out an interchange that fails either: that would be our bug.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pydifact.control.characters import Characters
from pydifact.segmentcollection import Interchange as PydifactInterchange
from pydifact.segmentcollection import Message as PydifactMessage
from pydifact.segments import Segment

from overture.channels.edifact.checks import Verdict, check_document
from overture.channels.edifact.directory import SCHEMAS
from overture.channels.edifact.envelope import Interchange, Message, read
from overture.channels.edifact.syntax import DEFAULT_CHARACTERS

RELEASES = ("96A", "01B")  # what we write: D:96A (EANCOM's), D:01B to a partner that writes it


@dataclass(frozen=True, slots=True)
class Style:
    """How a partner writes EDIFACT, and so how we write to it."""

    syntax: str = "UNOC"
    version: int = 3
    characters: str = DEFAULT_CHARACTERS
    release: str = "96A"

    @property
    def decimal_mark(self) -> str:
        return self.characters[2]


DEFAULT_STYLE = Style()


@dataclass(frozen=True, slots=True)
class Envelope:
    """UNB of what we send: sender and recipient (id, code qualifier), control reference, when."""

    sender: tuple[str, str]
    recipient: tuple[str, str]
    control_reference: str
    prepared: dt.datetime


@dataclass(frozen=True, slots=True)
class Draft:
    """One message to write: its UNH S009 (type, version, release, agency[, association]) and body."""

    identifier: tuple[str, ...]
    body: Sequence[Segment]


class NotWritten(Exception):
    """A document we built fails our own checks or pydifact's reader: a bug on our side, never sent."""


def style_of(interchange: Interchange, message: Message | None = None) -> Style:
    """The partner's style as its interchange (and, for the release, its message) shows it."""
    syntax, version = interchange.syntax
    characters = interchange.characters
    text = (
        characters.component_separator
        + characters.data_separator
        + characters.decimal_point
        + characters.escape_character
        + characters.reserved_character
        + characters.segment_terminator
    )
    release = message.release if message is not None and message.release in RELEASES else "96A"
    return Style(syntax or "UNOC", int(version) if version in ("3", "4") else 4, text, release)


def number(value: Decimal | int, style: Style) -> str:
    """An EDIFACT number: no exponent, no trailing zeros after the mark, the partner's decimal mark."""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", style.decimal_mark)


def date(value: dt.date, qualifier: str) -> list[str]:
    """A DTM C507 in format 102 (CCYYMMDD)."""
    return [qualifier, value.strftime("%Y%m%d"), "102"]


def identifier(message_type: str, style: Style) -> tuple[str, str, str, str]:
    return (message_type, "D", style.release, "UN")


def write(envelope: Envelope, drafts: Sequence[Draft], style: Style) -> str:
    """One interchange holding the drafts, one message each, checked by reading it back."""
    characters = Characters.from_str(style.characters)
    interchange = _Interchange(
        sender=list(envelope.sender),
        recipient=list(envelope.recipient),
        control_reference=envelope.control_reference,
        syntax_identifier=(style.syntax, style.version),
        timestamp=envelope.prepared,
        characters=characters,
    )
    interchange.has_una_segment = True
    for n, draft in enumerate(drafts, start=1):
        message = PydifactMessage(str(n), draft.identifier, characters=characters)
        message.add_segments(draft.body)
        interchange.add_message(message)
    text = interchange.serialize()
    check_written(text)
    return text


def check_written(text: str) -> None:
    """Raise NotWritten unless our reader and checks and pydifact's reader all take the text."""
    document = read(text)
    checked = check_document(document, schemas=SCHEMAS)
    problems = document.all_problems() + [p for c in checked for p in c.problems]
    unsupported = [c.message.type for c in checked if not c.supported or c.verdict is not Verdict.ACCEPTED]
    if problems or unsupported:
        raise NotWritten("; ".join(str(p) for p in problems) or f"no schema for {', '.join(unsupported)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydifact warns that it ships no service directory files
        try:
            read_back = list(PydifactInterchange.from_str(text).get_messages())
        except Exception as error:  # any failure of its parser means the text is not what we meant
            raise NotWritten(f"pydifact cannot read what we wrote: {error}") from error
    if len(read_back) != len(checked):
        raise NotWritten(f"pydifact reads {len(read_back)} messages where we wrote {len(checked)}")


class _Interchange(PydifactInterchange):
    """pydifact's interchange, with the four-digit year that syntax version 4 asks for in UNB."""

    def get_header_segment(self) -> Segment:
        header = super().get_header_segment()
        if int(self.syntax_identifier[1]) >= 4:
            header.elements[3] = [f"{self.timestamp:%Y%m%d}", f"{self.timestamp:%H%M}"]
        return header
