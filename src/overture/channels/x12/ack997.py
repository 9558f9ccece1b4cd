"""Checking each functional group received, and the 997 that answers a 004010 (or older) one.

Per transaction set: AK2, an AK3 for each segment in error with AK4s for its elements, and AK5
(A accepted, E accepted with errors, R rejected, with the 718 codes). Per group: AK9 (A, E, P
partially accepted, R) with the counts and the 716 codes. Which problems reject a set and which
are only noted is ``_verdict``'s rule; what the whole group shows (ST02 used twice, ST01 or ST02
missing) is found here, where the group is seen whole. The 999 (``ack999.py``) answers 005010
groups from the same checks; ``acknowledgements.py`` picks one or the other by GS08.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from enum import StrEnum

from overture.channels.x12.envelope import Document, Group, Interchange, Transaction
from overture.channels.x12.errors import (
    AK3_CODES,
    AK4_CODES,
    AK5_CODES,
    AK9_CODES,
    SEGMENT_HAS_ELEMENT_ERRORS,
    Problem,
    ProblemCode,
)
from overture.channels.x12.schema import TOLERATED, validate
from overture.channels.x12.sets import schema_for
from overture.channels.x12.writer import Composite, SegmentValues, TransactionDraft
from overture.domain.digits import is_digits

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
# AK5 / IK5 codes the envelope reader cannot see: they need ST itself, or the group's other sets.
BAD_ST01, BAD_ST02, ST02_NOT_UNIQUE = "6", "7", "23"
SEGMENTS_IN_ERROR = "5"
# 004010's list of element 723 stops at 10; repetitions and components came with 004020. In a 997 a
# repeated or composite value gone wrong is an element holding a character it may not: 6.
_AK4_BEFORE_4020 = {"12": "6", "13": "6"}
_BAD_VALUE_CODES = frozenset(AK4_CODES.values()) - {"1", "2"}  # a value to copy into AK404 / IK404


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
    verdict: Verdict  # of the set itself (its AK5 / IK5)
    supported: bool  # we have a schema for it
    set_codes: tuple[str, ...] = ()  # AK5 codes found beside the problems (6, 7, 23)
    envelope_rejected: bool = False  # its group (AK9 R) or its interchange (TA1 R) is rejected
    interchange: Interchange | None = None

    @property
    def accepted(self) -> bool:
        """May this set be acted on (become an order)? Not if it, its group or its interchange is rejected."""
        return self.verdict is not Verdict.REJECTED and not self.envelope_rejected


def check_transaction(
    group: Group,
    transaction: Transaction,
    repetition: str | None,
    *,
    component: str | None = None,
    strict: bool = False,
) -> CheckedTransaction:
    """``strict``: the partner's profile wants segments outside the standard's table refused, not noted."""
    problems = list(transaction.problems)
    schema = schema_for(transaction.code, group.version)
    if schema is not None:
        problems += validate(schema, transaction.segments, repetition=repetition, component=component)
    codes = _header_codes(transaction)
    verdict = Verdict.REJECTED if codes else _verdict(problems, strict=strict)
    return CheckedTransaction(group, transaction, problems, verdict, schema is not None, codes)


def check_document(document: Document, *, strict: bool = False) -> list[CheckedTransaction]:
    checked: list[CheckedTransaction] = []
    for interchange in document.interchanges:
        for group in interchange.groups:
            d = interchange.delimiters
            found = [
                check_transaction(group, t, d.repetition, component=d.component, strict=strict)
                for t in group.transactions
            ]
            checked += _group_wide(group, found, interchange)
    return checked


def _group_wide(group: Group, found: list[CheckedTransaction], interchange: Interchange) -> list[CheckedTransaction]:
    """What only the whole group shows: an ST02 used before in it (AK5 23: the later sets are the
    repeats, the first stands), and a group rejected by its GS / GE."""
    seen: set[str] = set()
    rejected = any(p.code in AK9_CODES for p in group.problems)
    result = []
    for c in found:
        codes, control = c.set_codes, c.transaction.control_number
        if control and control in seen:
            codes = (*codes, ST02_NOT_UNIQUE)
        seen.add(control)
        verdict = Verdict.REJECTED if codes else c.verdict
        result.append(replace(c, set_codes=codes, verdict=verdict, envelope_rejected=rejected, interchange=interchange))
    return result


def _header_codes(transaction: Transaction) -> tuple[str, ...]:
    code, control = transaction.code, transaction.control_number
    codes = []
    if not (len(code) == 3 and code.isalnum()):
        codes.append(BAD_ST01)
    if not (4 <= len(control) <= 9 and control.isprintable() and control.strip() == control):
        codes.append(BAD_ST02)
    return tuple(codes)


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


def set_response_codes(checked: CheckedTransaction) -> list[str]:
    """AK502-506 / IK502-506: why the set is not simply accepted (at most five)."""
    codes = {AK5_CODES[p.code] for p in checked.problems if p.code in AK5_CODES} | set(checked.set_codes)
    if checked.verdict is not Verdict.ACCEPTED and not codes:
        codes = {SEGMENTS_IN_ERROR}
    return numeric_order(codes)[:5]


def group_response(group: Group, checked: list[CheckedTransaction]) -> list[str]:
    """AK9: verdict, sets included (GE01, or as counted when GE is missing), received, accepted, codes."""
    mine = [c for c in checked if c.group is group]
    verdict = group_verdict(group, mine)
    accepted = 0 if verdict is Verdict.REJECTED else sum(1 for c in mine if c.verdict is not Verdict.REJECTED)
    codes = numeric_order({AK9_CODES[p.code] for p in group.problems if p.code in AK9_CODES})[:5]
    declared = group.trailer.get(1) if group.trailer is not None else str(len(mine))
    if not is_digits(declared):
        declared = str(len(mine))
    return ["AK9", verdict.value, declared, str(len(mine)), str(accepted), *codes]


def numeric_order(codes: set[str]) -> list[str]:
    return sorted(codes, key=lambda c: (not is_digits(c), int(c) if is_digits(c) else 0, c))


@dataclass(frozen=True, slots=True)
class SegmentError:
    """One segment in error: AK3 / IK3 and its element errors (AK4 / IK4)."""

    tag: str
    position: int  # in the set, ST = 1
    code: str  # 720 / 620
    elements: list[tuple[Composite, str, str, str]]  # (position in segment, 723 / 621 code, bad value, reference)
    loop_id: str = ""  # AK303 / IK303


def segment_errors(checked: CheckedTransaction, component: str, forbidden: frozenset[str]) -> list[SegmentError]:
    """Each segment in error with its elements; ``forbidden`` are the reply's delimiters, left out of copies."""
    transaction = checked.transaction
    st_position = transaction.header.position
    by_segment: dict[tuple[int, str], list[Problem]] = defaultdict(list)
    for p in checked.problems:
        if p.segment_position is not None and (p.code in AK3_CODES or p.code in AK4_CODES):
            by_segment[(p.segment_position, p.segment_id)].append(p)
    errors = []
    for (position, tag), found in sorted(by_segment.items()):
        code = next((AK3_CODES[p.code] for p in found if p.code in AK3_CODES), SEGMENT_HAS_ELEMENT_ERRORS)
        elements = [
            (_place(p), AK4_CODES[p.code], _copy(p, transaction, component, forbidden), _reference(p))
            for p in found
            if p.code in AK4_CODES and p.element_position is not None
        ]
        loop = next((p.loop_id for p in found if p.loop_id), "")
        errors.append(SegmentError(tag, position - st_position + 1, code, elements, loop if len(loop) <= 4 else ""))
    return errors


def _reference(problem: Problem) -> str:
    """AK402 / IK402: the data element's reference number (N0 1/4; a composite's C040 is not one)."""
    return problem.reference if is_digits(problem.reference) and len(problem.reference) <= 4 else ""


def _place(problem: Problem) -> Composite:
    assert problem.element_position is not None
    component = problem.component_position
    return Composite((str(problem.element_position), *([str(component)] if component is not None else [])))


def _copy(problem: Problem, transaction: Transaction, component: str, forbidden: frozenset[str]) -> str:
    """The bad value as received (AK404 / IK404, at most 99 characters), never a missing one."""
    if AK4_CODES[problem.code] not in _BAD_VALUE_CODES or problem.element_position is None:
        return ""
    segment = next((s for s in transaction.segments if s.position == problem.segment_position), None)
    if segment is None:
        return ""
    value = segment.get(problem.element_position)
    if problem.component_position is not None:
        parts = value.split(component)
        value = parts[problem.component_position - 1] if problem.component_position <= len(parts) else ""
    return "".join(c for c in value if c.isprintable() and c not in forbidden)[:99]


def ack_997(
    group: Group, checked: list[CheckedTransaction], *, component: str, forbidden: frozenset[str]
) -> TransactionDraft:
    """The 997 answering one group: AK1, per set AK2 / AK3 / AK4 / AK5, and AK9."""
    body: list[SegmentValues] = [["AK1", group.functional_id, group.control_number]]
    for c in checked:
        body.append(["AK2", c.transaction.code, c.transaction.control_number])
        for error in segment_errors(c, component, forbidden):
            body.append(["AK3", error.tag, str(error.position), error.loop_id, error.code])
            body += [
                ["AK4", place, reference, _AK4_BEFORE_4020.get(code, code), copy]
                for place, code, copy, reference in error.elements[:99]
            ]
        body.append(["AK5", c.verdict.value, *set_response_codes(c)])
    body.append(group_response(group, checked))
    return TransactionDraft("997", body)


def _verdict(problems: list[Problem], *, strict: bool = False) -> Verdict:
    if not problems:
        return Verdict.ACCEPTED
    noted = NOTED_ONLY if strict else NOTED_ONLY | TOLERATED
    if all(p.code in noted for p in problems):
        return Verdict.ACCEPTED_WITH_ERRORS
    return Verdict.REJECTED
