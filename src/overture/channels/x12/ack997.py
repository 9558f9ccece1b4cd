"""The 997 functional acknowledgment for every functional group received.

Per transaction set: AK2, an AK3 for each segment in error with AK4s for its elements, and AK5
(A accepted, E accepted with errors, R rejected). Per group: AK9 (A, E, P partially accepted,
R) with the counts. Which problems reject a set and which are only noted is ``Verdict``'s rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from overture.channels.x12.envelope import Document, Group, Transaction
from overture.channels.x12.errors import AK3_CODES, AK4_CODES, AK5_CODES, AK9_CODES, Problem, ProblemCode
from overture.channels.x12.schema import validate
from overture.channels.x12.sets import schema_for
from overture.channels.x12.writer import GroupDraft, SegmentValues, TransactionDraft

# Problems that leave a transaction set readable: it is accepted, with the errors noted.
NOTED_ONLY = frozenset(
    {
        ProblemCode.ELEMENT_TOO_LONG,
        ProblemCode.ELEMENT_TOO_SHORT,
        ProblemCode.BAD_CODE,
        ProblemCode.BAD_CHARACTER,
        ProblemCode.TOO_MANY_ELEMENTS,
    }
)


class Verdict(StrEnum):
    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    PARTIALLY_ACCEPTED = "P"
    REJECTED = "R"


@dataclass(frozen=True, slots=True)
class CheckedTransaction:
    group: Group
    transaction: Transaction
    problems: list[Problem]  # envelope and schema problems together
    verdict: Verdict
    supported: bool  # we have a schema for it


def check_transaction(group: Group, transaction: Transaction, repetition: str | None) -> CheckedTransaction:
    problems = list(transaction.problems)
    schema = schema_for(transaction.code, group.version)
    if schema is not None:
        problems += validate(schema, transaction.segments, repetition=repetition)
    return CheckedTransaction(group, transaction, problems, _verdict(problems), schema is not None)


def check_document(document: Document) -> list[CheckedTransaction]:
    return [
        check_transaction(group, transaction, interchange.delimiters.repetition)
        for interchange, group, transaction in document.transactions()
    ]


def group_verdict(group: Group, checked: list[CheckedTransaction]) -> Verdict:
    if any(p.code in AK9_CODES for p in group.problems):
        return Verdict.REJECTED
    verdicts = {c.verdict for c in checked if c.group is group}
    if not verdicts:
        return Verdict.ACCEPTED
    if verdicts == {Verdict.REJECTED}:
        return Verdict.REJECTED
    if Verdict.REJECTED in verdicts:
        return Verdict.PARTIALLY_ACCEPTED
    return Verdict.ACCEPTED_WITH_ERRORS if Verdict.ACCEPTED_WITH_ERRORS in verdicts else Verdict.ACCEPTED


def build_997(document: Document, checked: list[CheckedTransaction], *, first_control_number: int) -> list[GroupDraft]:
    """One FA group per interchange received, one 997 per functional group in it."""
    by_group: dict[int, list[CheckedTransaction]] = defaultdict(list)
    for c in checked:
        by_group[id(c.group)].append(c)
    drafts = []
    for n, interchange in enumerate(document.interchanges):
        acks = [TransactionDraft("997", _ack_body(group, by_group[id(group)])) for group in interchange.groups]
        if acks:
            drafts.append(GroupDraft("FA", first_control_number + n, acks))
    return drafts


def _ack_body(group: Group, checked: list[CheckedTransaction]) -> list[SegmentValues]:
    body: list[SegmentValues] = [["AK1", group.functional_id, group.control_number]]
    for c in checked:
        body.append(["AK2", c.transaction.code, c.transaction.control_number])
        body += _ak3s(c.problems, c.transaction)
        codes = sorted({AK5_CODES[p.code] for p in c.problems if p.code in AK5_CODES})[:5]
        if c.verdict is not Verdict.ACCEPTED and not codes:
            codes = ["5"]  # one or more segments in error
        body.append(["AK5", c.verdict.value, *codes])
    verdict = group_verdict(group, checked)
    accepted = sum(1 for c in checked if c.verdict is not Verdict.REJECTED)
    ak9_codes = sorted({AK9_CODES[p.code] for p in group.problems if p.code in AK9_CODES})[:5]
    if verdict is Verdict.REJECTED and not ak9_codes and checked:
        ak9_codes = ["5"]
    declared = group.trailer.get(1) if group.trailer is not None else str(len(checked))
    body.append(["AK9", verdict.value, declared or "0", str(len(checked)), str(accepted), *ak9_codes])
    return body


def _ak3s(problems: list[Problem], transaction: Transaction) -> list[SegmentValues]:
    """AK3 per segment in error (position counted from ST = 1) and AK4 per element in error."""
    st_position = transaction.header.position
    by_segment: dict[tuple[int, str], list[Problem]] = defaultdict(list)
    for p in problems:
        if p.segment_position is not None and (p.code in AK3_CODES or p.code in AK4_CODES):
            by_segment[(p.segment_position, p.segment_id)].append(p)
    segments: list[SegmentValues] = []
    for (position, tag), found in sorted(by_segment.items()):
        segment_code = next((AK3_CODES[p.code] for p in found if p.code in AK3_CODES), "8")
        segments.append(["AK3", tag, str(position - st_position + 1), "", segment_code])
        for p in found:
            if p.code in AK4_CODES and p.element_position is not None:
                segments.append(["AK4", str(p.element_position), "", AK4_CODES[p.code]])
    return segments


def _verdict(problems: list[Problem]) -> Verdict:
    if not problems:
        return Verdict.ACCEPTED
    if all(p.code in NOTED_ONLY for p in problems):
        return Verdict.ACCEPTED_WITH_ERRORS
    return Verdict.REJECTED
