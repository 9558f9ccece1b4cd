"""Every acknowledgment a received X12 file is owed, written and kept: 997 / 999 per group, TA1 when due.

- Per interchange, its envelope's note codes (``interchange_checks``), a duplicate ISA13 among them.
  A TA1 answers it when there is a note or ISA14 asks for one; a rejecting note (TA104 R) means
  none of its groups is acknowledged or acted on.
- Per functional group of the other interchanges: a 999 when GS08 is 005010, else a 997, each in an
  FA group of its kind; all of them in one interchange whose ISA12 matches (00501 with a 999).
- Every FA group takes the partner's next GS06 (never reused for the partner, whatever the
  document), every interchange its next ISA13.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from overture.channels.x12.ack997 import CheckedTransaction, ack_997, check_document
from overture.channels.x12.ack999 import IMPLEMENTATION, ack_999, answers_with_999
from overture.channels.x12.envelope import Document, Group, Interchange
from overture.channels.x12.interchange_checks import interchange_notes, rejects, valid_control_number
from overture.channels.x12.ta1 import ta1_segment, wants_ta1
from overture.channels.x12.writer import (
    EnvelopeSpec,
    GroupDraft,
    Sender,
    TransactionDraft,
    in_version,
    reply_envelope,
    write_interchange,
)
from overture.domain.digits import is_digits
from overture.domain.partners import PartnerProfile
from overture.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Acknowledgements:
    functional: str  # the 997s and 999s, one interchange ("" when no group is acknowledged)
    kind: str  # "997", "999", or "997+999" for a file holding both versions ("" with no functional ack)
    ta1: str | None  # TA1 interchanges, one per interchange that is owed one
    functional_control: int = 0  # ISA13 of the functional acknowledgment
    ta1_control: int = 0  # ISA13 of the first TA1 interchange


@dataclass(frozen=True, slots=True)
class Numbering:
    """Where control numbers come from: the store's per-partner counters, or a test's own."""

    next_interchange: Callable[[], int]  # ISA13
    next_group: Callable[[], int]  # GS06


def envelope_notes(
    uow: UnitOfWork, document: Document, partner_id: str, *, message_id: str, at: datetime
) -> list[list[str]]:
    """Each interchange's TA1 note codes, after noting its ISA13 as received from the partner."""
    notes = []
    for interchange in document.interchanges:
        control = interchange.control_number
        first_time = not valid_control_number(control) or uow.interchanges.record_received(
            partner_id, control, message_id=message_id, at=at
        )
        notes.append(interchange_notes(interchange, duplicate=not first_time))
    return notes


def rejected_interchanges(document: Document, notes: list[list[str]]) -> list[Interchange]:
    return [i for i, found in zip(document.interchanges, notes, strict=True) if rejects(found)]


def check_with_notes(document: Document, notes: list[list[str]], *, strict: bool = False) -> list[CheckedTransaction]:
    """Every set checked (``strict`` as the partner's profile says); those of an interchange its TA1
    rejects are rejected with it."""
    rejected = rejected_interchanges(document, notes)
    return [
        replace(c, envelope_rejected=True) if any(c.interchange is i for i in rejected) else c
        for c in check_document(document, strict=strict)
    ]


def write_acknowledgements(
    document: Document,
    checked: list[CheckedTransaction],
    notes: list[list[str]],
    spec: EnvelopeSpec,
    *,
    numbering: Numbering,
    at: datetime,
) -> Acknowledgements:
    """The file's 997s / 999s (one interchange) and TA1s, in ``spec``'s identities and delimiters."""
    groups: list[GroupDraft] = []
    for interchange, found in zip(document.interchanges, notes, strict=True):
        if not rejects(found):
            mine = [c for c in checked if c.interchange is interchange]
            groups += answer_groups(interchange, mine, spec.delimiters.all(), numbering.next_group)
    functional, kind, control = "", "", 0
    if groups:
        with_999 = any(g.version == IMPLEMENTATION for g in groups)
        kind = "+".join(sorted({"999" if g.version == IMPLEMENTATION else "997" for g in groups}))
        control = numbering.next_interchange()
        functional = write_interchange(in_version(spec, "00501" if with_999 else "00401"), control, groups, at)
    ta1, ta1_control = _ta1s(document, notes, spec, numbering, at)
    return Acknowledgements(functional, kind, ta1, control, ta1_control)


def keep_acknowledgements(
    uow: UnitOfWork,
    document: Document,
    checked: list[CheckedTransaction],
    notes: list[list[str]],
    partner: PartnerProfile,
    *,
    us: Sender,
    message_id: str,
    at: datetime,
) -> Acknowledgements:
    """Write the file's acknowledgments with the partner's next control numbers and keep each."""
    pid = partner.partner_id
    numbering = Numbering(
        lambda: uow.partners.next_control_number(pid), lambda: uow.interchanges.next_group_control_number(pid)
    )
    acks = write_acknowledgements(document, checked, notes, reply_envelope(partner, us), numbering=numbering, at=at)
    kept = [(acks.kind, acks.functional, acks.functional_control), ("TA1", acks.ta1, acks.ta1_control)]
    for kind, body, control in kept:
        if body:
            uow.documents.add(
                partner_id=pid, order_id=None, kind=kind, reference=message_id, control_number=control, body=body, at=at
            )
    return acks


def answer_groups(
    interchange: Interchange,
    checked: list[CheckedTransaction],
    forbidden: frozenset[str],
    next_group: Callable[[], int],
) -> list[GroupDraft]:
    """The FA groups answering one interchange's groups: 999s together, 997s together per GS08 release."""
    by_kind: dict[str, list[TransactionDraft]] = {}
    component = interchange.delimiters.component
    for group in interchange.groups:
        mine = [c for c in checked if c.group is group]
        if answers_with_999(group):
            by_kind.setdefault(IMPLEMENTATION, []).append(
                ack_999(group, mine, component=component, forbidden=forbidden)
            )
        else:
            by_kind.setdefault(_release(group), []).append(
                ack_997(group, mine, component=component, forbidden=forbidden)
            )
    return [
        GroupDraft("FA", next_group(), acks, version=version, st_version=version if version == IMPLEMENTATION else "")
        for version, acks in by_kind.items()
    ]


def _release(group: Group) -> str:
    """GS08 of a 997: the release of the group it answers (004010 for 004010VICS), 004010 when unreadable."""
    release = group.version[:6]
    return release if len(release) == 6 and is_digits(release) else "004010"


def _ta1s(
    document: Document, notes: list[list[str]], spec: EnvelopeSpec, numbering: Numbering, at: datetime
) -> tuple[str | None, int]:
    """One ISA / TA1 / IEA interchange per interchange owed a TA1, in the version it came in."""
    texts, first = [], 0
    for interchange, found in zip(document.interchanges, notes, strict=True):
        if not wants_ta1(interchange, found):
            continue
        control = numbering.next_interchange()
        first = first or control
        version = "00501" if interchange.header.get(12) >= "00501" else "00401"
        segment = ta1_segment(interchange, found, received_at=at)
        texts.append(write_interchange(in_version(spec, version), control, [], at, control_segments=[segment]))
    return ("".join(texts), first) if texts else (None, 0)
