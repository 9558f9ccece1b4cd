"""What a trading partner's 997s, 999s and TA1s say about the documents we sent it, and what each file
it sent held.

- A received FA group is not acknowledged (X12.6: acknowledgements are not acknowledged), so
  ``unacknowledged`` takes FA groups out of what ``acknowledgements.py`` answers; a file holding
  only 997s gets no 997 back (a TA1 still, if its envelope is wrong or ISA14 asks).
- Each 997 / 999 set names one of our groups by AK101 / AK102 (functional id, our GS06): the
  document holding it is found by its GS06, each of its sets by AK201 / AK202 (set id, our ST02),
  and the verdict kept per document: R if the group or any set is rejected, else E if any is
  accepted with errors, else A; with the AK5 / IK5 and AK9 codes and the segments in error. A set
  the 997 does not list takes its group's AK9 (P: the unlisted sets were accepted).
- A TA1 (between ISA and the first GS) names our interchange by TA101 (our ISA13): kept at the
  interchange level; an R there means no 997 will follow.
- The file's summary (interchanges, groups and sets, our verdict on each, the orders made) is kept
  for the partner view, so listing a partner's files needs no parsing.

Nothing here refuses the file: an acknowledgement naming nothing of ours is logged and left.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from overture.channels.x12.ack997 import CheckedTransaction, group_verdict
from overture.channels.x12.envelope import Document, Group, Interchange, Transaction, read
from overture.channels.x12.errors import X12Error
from overture.channels.x12.tokenizer import Segment, decode, tokenize
from overture.domain.digits import is_digits
from overture.services.ports import InboundMessage, UnitOfWork
from overture.services.ports.exchanges import FUNCTIONAL, INTERCHANGE, PartnerAck, PartnerReceipt, SentDocument

log = logging.getLogger(__name__)

FA = "FA"
ACK_SETS = frozenset({"997", "999"})
_SEVERITY = {"A": 0, "E": 1, "R": 2}
_SET_VERDICT_TAGS = frozenset({"AK5", "IK5"})
_SEGMENT_ERROR_TAGS = frozenset({"AK3", "IK3"})


@dataclass(frozen=True, slots=True)
class Unacknowledged:
    """The file as it is to be acknowledged: without its FA groups, and the checks of the rest."""

    document: Document
    checked: list[CheckedTransaction]


def unacknowledged(document: Document, checked: list[CheckedTransaction]) -> Unacknowledged:
    """The file without its FA groups, each check re-pointed at its (new) interchange."""
    if not any(g.functional_id == FA for i in document.interchanges for g in i.groups):
        return Unacknowledged(document, checked)
    mapped = {id(i): replace(i, groups=[g for g in i.groups if g.functional_id != FA]) for i in document.interchanges}
    kept = [
        replace(c, interchange=mapped[id(c.interchange)]) if c.interchange is not None else c
        for c in checked
        if c.group.functional_id != FA
    ]
    return Unacknowledged(replace(document, interchanges=[mapped[id(i)] for i in document.interchanges]), kept)


@dataclass(frozen=True, slots=True)
class SetAck:
    set_id: str  # AK201
    control_number: str  # AK202, our ST02
    verdict: str  # AK501 / IK501
    codes: list[str]  # AK502-506 / IK502-506
    errors: list[str]  # each AK3 / IK3: "N4 at 9 (code 8)"


@dataclass(frozen=True, slots=True)
class GroupAck:
    functional_id: str  # AK101
    control_number: str  # AK102, our GS06
    verdict: str  # AK901
    codes: list[str]  # AK905-909
    sets: list[SetAck]


def read_group_ack(transaction: Transaction) -> GroupAck | None:
    """A 997 / 999 set read back: the group it answers, and each set's verdict. None without AK1."""
    ak1 = next((s for s in transaction.body if s.tag == "AK1"), None)
    if ak1 is None:
        return None
    sets: list[SetAck] = []
    current: list[Segment] = []
    for segment in transaction.body:
        if segment.tag == "AK2":
            current = [segment]
        elif current:
            current.append(segment)
            if segment.tag in _SET_VERDICT_TAGS:
                sets.append(_set_ack(current))
                current = []
    ak9 = next((s for s in transaction.body if s.tag == "AK9"), None)
    verdict = ak9.get(1) if ak9 is not None else ""
    codes = [c for c in (ak9.elements[5:10] if ak9 is not None else []) if c]
    return GroupAck(ak1.get(1), ak1.get(2), verdict, codes, sets)


def _set_ack(segments: list[Segment]) -> SetAck:
    head, tail = segments[0], segments[-1]
    errors = [f"{s.get(1)} at {s.get(2)} (code {s.get(4)})" for s in segments if s.tag in _SEGMENT_ERROR_TAGS]
    return SetAck(head.get(1), head.get(2), tail.get(1), [c for c in tail.elements[2:7] if c], errors)


def record_group_ack(
    uow: UnitOfWork, ack: GroupAck, *, partner_id: str, kind: str, message_id: str, at: datetime
) -> str | None:
    """Keep the partner's verdict on the document its 997 / 999 names; its id, or None if none matches."""
    found = _answered_group(uow, ack, partner_id)
    if found is None:
        log.info("%s from %s names group %s %s: none of ours", kind, partner_id, ack.functional_id, ack.control_number)
        return None
    document, group = found
    sets = [_verdict_of(t, ack) for t in group.transactions]
    verdicts = [s["verdict"] for s in sets]
    if ack.verdict == "R" or not verdicts:
        verdicts.append(_document_verdict(ack.verdict))
    verdict = max(verdicts, key=lambda v: _SEVERITY.get(v, 2))
    detail = {"group": {"verdict": ack.verdict, "codes": ack.codes}, "sets": sets}
    uow.exchanges.record_ack(PartnerAck(document.id, partner_id, FUNCTIONAL, kind, verdict, message_id, at, detail))
    return document.id


def _answered_group(uow: UnitOfWork, ack: GroupAck, partner_id: str) -> tuple[SentDocument, Group] | None:
    if not is_digits(ack.control_number):
        return None
    document = uow.exchanges.document_by_group(partner_id, int(ack.control_number))
    if document is None:
        return None
    groups = [g for i in read(document.body).interchanges for g in i.groups]
    group = next((g for g in groups if g.control_number.lstrip("0") == ack.control_number.lstrip("0")), None)
    if group is None or group.functional_id != ack.functional_id:
        return None  # the GS06 is ours but for another kind of group: not what the 997 answers
    return document, group


def _verdict_of(transaction: Transaction, ack: GroupAck) -> dict[str, Any]:
    """One of our sets: its AK2 loop's verdict, else the group's (P: the unlisted sets were accepted)."""
    key = (transaction.code, transaction.control_number)
    listed = next((s for s in ack.sets if (s.set_id, s.control_number) == key), None)
    if listed is None:
        verdict = _document_verdict(ack.verdict)
        return {"set": key[0], "control_number": key[1], "verdict": verdict, "codes": [], "errors": [], "listed": False}
    return {
        "set": key[0],
        "control_number": key[1],
        "verdict": _document_verdict(listed.verdict),
        "codes": listed.codes,
        "errors": listed.errors,
        "listed": True,
    }


def _document_verdict(code: str) -> str:
    """A, E, R as they are; P (partially accepted) or W / M / X (999 set codes) read as A, E, R."""
    return {"P": "A", "W": "R", "M": "R", "X": "R"}.get(code, code if code in _SEVERITY else "R")


def received_ta1s(body: bytes) -> list[Segment]:
    """The TA1 segments in a file (the envelope reader skips them: they stand outside every group)."""
    try:
        return [s for _, segments in tokenize(decode(body)) for s in segments if s.tag == "TA1"]
    except X12Error:  # read() read this file already; kept for a file that only a TA1 could not spoil
        return []


def record_ta1(uow: UnitOfWork, ta1: Segment, *, partner_id: str, message_id: str, at: datetime) -> str | None:
    """Keep a TA1's verdict on the interchange of ours it names (TA101); its document id, or None."""
    control, verdict, note = ta1.get(1), ta1.get(4), ta1.get(5)
    document = uow.exchanges.document_by_interchange(partner_id, int(control)) if is_digits(control) else None
    if document is None or verdict not in _SEVERITY:
        log.info("TA1 from %s names interchange %s: none of ours", partner_id, control)
        return None
    detail = {"control_number": control, "note": note}
    uow.exchanges.record_ack(PartnerAck(document.id, partner_id, INTERCHANGE, "TA1", verdict, message_id, at, detail))
    return document.id


def note_exchange(
    uow: UnitOfWork,
    document: Document,
    checked: list[CheckedTransaction],
    notes: list[list[str]],
    *,
    message: InboundMessage,
    message_id: str,
    partner_id: str,
    order_ids: list[str],
) -> None:
    """Everything this file tells us about our documents, and its summary for the partner view."""
    at = message.received_at
    matched: dict[int, str | None] = {}
    for c in checked:
        if c.transaction.code in ACK_SETS and c.group.functional_id == FA and c.accepted:
            ack = read_group_ack(c.transaction)
            kind = c.transaction.code
            found = (
                None
                if ack is None
                else record_group_ack(uow, ack, partner_id=partner_id, kind=kind, message_id=message_id, at=at)
            )
            matched[id(c.transaction)] = found
    ta1s = [
        record_ta1(uow, t, partner_id=partner_id, message_id=message_id, at=at) for t in received_ta1s(message.body)
    ]
    summary = {
        "interchanges": [
            _interchange(i, checked, n, matched) for i, n in zip(document.interchanges, notes, strict=True)
        ],
        "ta1s_matched": [d for d in ta1s if d],
    }
    receipt = PartnerReceipt(message_id, partner_id, at, summary, list(dict.fromkeys(order_ids)))
    uow.exchanges.record_receipt(receipt)


def _interchange(
    interchange: Interchange, checked: list[CheckedTransaction], notes: list[str], matched: dict[int, str | None]
) -> dict[str, Any]:
    groups = []
    for group in interchange.groups:
        mine = [c for c in checked if c.group is group]
        sets = [
            {
                "code": c.transaction.code,
                "control_number": c.transaction.control_number,
                "verdict": c.verdict.value,
                **({"answers": matched.get(id(c.transaction))} if id(c.transaction) in matched else {}),
            }
            for c in mine
        ]
        verdict = "" if group.functional_id == FA else group_verdict(group, mine).value
        groups.append(
            {
                "functional_id": group.functional_id,
                "control_number": group.control_number,
                "verdict": verdict,
                "sets": sets,
            }
        )
    return {"control_number": interchange.control_number, "notes": notes, "groups": groups}
