"""Writing X12: segments with a partner's delimiters, wrapped in ISA/GS/ST envelopes with their counts.

X12 has no escape character, so a value holding a delimiter cannot be sent; ``X12WriteError``
names it rather than sending a document the partner would misread. Nor has it control characters:
a partner's value echoed back with one (a PO number or segment id holding NUL, refused for it) is
sent without it, and so is the copy we keep, which could not even hold a NUL on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from overture.channels.x12.tokenizer import Delimiters
from overture.domain.partners import PartnerProfile


class Composite(tuple[str, ...]):
    """A composite element's components (an AK401 / IK401 position in segment: element, component):
    written joined by the component separator, which a plain value may never hold."""

    __slots__ = ()


SegmentValues = Sequence[str | Composite]  # [tag, element 1, element 2, ...]
COMMON_DELIMITERS = Delimiters("*", ">", "~", None)


class X12WriteError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Party:
    qualifier: str  # ISA05/07, e.g. ZZ (mutually defined), 01 (DUNS), 12 (phone)
    id: str
    application_code: str = ""  # GS02/03; the ISA id when empty


@dataclass(frozen=True, slots=True)
class EnvelopeSpec:
    sender: Party
    receiver: Party
    interchange_version: str = "00401"  # ISA12
    group_version: str = "004010"  # GS08
    usage: str = "P"  # ISA15: P production, T test
    delimiters: Delimiters = COMMON_DELIMITERS
    ack_requested: bool = False  # ISA14
    newline: bool = True  # a line break after each terminator, as most partners like to read it


@dataclass(frozen=True, slots=True)
class TransactionDraft:
    code: str  # ST01
    body: Sequence[SegmentValues]  # between ST and SE


@dataclass(frozen=True, slots=True)
class GroupDraft:
    functional_id: str  # GS01, e.g. PO, PR (855), SH (856), IN (810), IB (846), FA (997, 999)
    control_number: int  # GS06: unique per partner (store/interchanges.py hands them out)
    transactions: Sequence[TransactionDraft]
    version: str = ""  # GS08 when not the envelope's (a 999 is 005010X231A1)
    st_version: str = ""  # ST03 (from 005010 on): the implementation convention each set follows


def write_interchange(
    spec: EnvelopeSpec,
    control_number: int,
    groups: Sequence[GroupDraft],
    at: datetime,
    *,
    control_segments: Sequence[SegmentValues] = (),
) -> str:
    """One interchange holding ``groups``; ST control numbers run 0001, 0002, ... within each group.

    ``control_segments`` (TA1s) go between ISA and the first GS: an interchange may hold only them."""
    d = spec.delimiters
    lines = [_isa(spec, control_number, at), *(write_segment(s, d) for s in control_segments)]
    for group in groups:
        lines.append(_gs(spec, group, at))
        for n, transaction in enumerate(group.transactions, start=1):
            st_control = f"{n:04d}"
            header = ["ST", transaction.code, st_control, *([group.st_version] if group.st_version else [])]
            segments: list[SegmentValues] = [header, *transaction.body]
            segments.append(["SE", str(len(segments) + 1), st_control])
            lines += [write_segment(s, d) for s in segments]
        lines.append(write_segment(["GE", str(len(group.transactions)), str(group.control_number)], d))
    lines.append(write_segment(["IEA", str(len(groups)), f"{control_number:09d}"], d))
    return ("\n" if spec.newline else "").join(lines) + ("\n" if spec.newline else "")


def write_segment(values: SegmentValues, delimiters: Delimiters) -> str:
    """One segment with its terminator; trailing empty elements are left out, as X12 asks."""
    forbidden = delimiters.all()
    elements = [_element(values[0], n, value, delimiters, forbidden) for n, value in enumerate(values)]
    while len(elements) > 1 and elements[-1] == "":
        elements.pop()
    return delimiters.element.join(elements) + delimiters.segment


def _element(
    tag: str | Composite, n: int, value: str | Composite, delimiters: Delimiters, forbidden: frozenset[str]
) -> str:
    parts = list(value) if isinstance(value, Composite) else [value]
    parts = [p if p.isprintable() else "".join(c for c in p if c.isprintable()) for p in parts]
    for part in parts:
        clash = forbidden.intersection(part)
        if clash:
            raise X12WriteError(f"{tag}{n:02d} {part!r} holds the delimiter {''.join(sorted(clash))!r}")
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return delimiters.component.join(parts)


def _isa(spec: EnvelopeSpec, control_number: int, at: datetime) -> str:
    d = spec.delimiters
    repetition = d.repetition or "U"  # ISA11 is the standards id "U" before 00402
    values = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        spec.sender.qualifier,
        spec.sender.id.ljust(15)[:15],
        spec.receiver.qualifier,
        spec.receiver.id.ljust(15)[:15],
        at.strftime("%y%m%d"),
        at.strftime("%H%M"),
        repetition,
        spec.interchange_version,
        f"{control_number:09d}",
        "1" if spec.ack_requested else "0",
        spec.usage,
    ]
    # ISA16 is the component separator itself, so it cannot go through write_segment's check.
    head = write_segment(values, Delimiters(d.element, "\x00", d.segment, None))[: -len(d.segment)]
    return head + d.element + d.component + d.segment


def _gs(spec: EnvelopeSpec, group: GroupDraft, at: datetime) -> str:
    values = [
        "GS",
        group.functional_id,
        spec.sender.application_code or spec.sender.id,
        spec.receiver.application_code or spec.receiver.id,
        at.strftime("%Y%m%d"),
        at.strftime("%H%M"),
        str(group.control_number),
        "X",
        group.version or spec.group_version,
    ]
    return write_segment(values, spec.delimiters)


# The GS1 company prefix in SSCCs. 0614141 is GS1's own example prefix: set yours.
DEFAULT_GS1_PREFIX = "0614141"


@dataclass(frozen=True, slots=True)
class Sender:
    """Who we are on the X12 network, and our GS1 company prefix for SSCCs."""

    qualifier: str = "ZZ"
    id: str = "OVERTURE"
    gs1_prefix: str = DEFAULT_GS1_PREFIX


DEFAULT_SENDER = Sender()


def reply_envelope(partner: PartnerProfile, us: Sender) -> EnvelopeSpec:
    """The envelope of what we send this partner: their identity, version and delimiters."""
    assert partner.x12 is not None
    element, component, segment = partner.delimiters
    version = partner.x12_version
    return EnvelopeSpec(
        sender=Party(us.qualifier, us.id),
        receiver=Party(partner.x12.qualifier, partner.x12.id, partner.x12.application_code),
        interchange_version="00501" if version.startswith("005") else "00401",
        group_version=version,
        delimiters=Delimiters(element, component, segment, "^" if version.startswith("005") else None),
    )


def in_version(spec: EnvelopeSpec, interchange_version: str) -> EnvelopeSpec:
    """The same envelope under another ISA12: an acknowledgment speaks the version of what it answers
    (a 999 goes in a 00501 interchange, a 997 in a 00401 one), with ISA11 as that version wants it."""
    d = spec.delimiters
    repeats = interchange_version >= "00402" and "^" not in (d.element, d.component, d.segment)
    delimiters = Delimiters(d.element, d.component, d.segment, "^" if repeats else None)
    return replace(spec, interchange_version=interchange_version, delimiters=delimiters)
