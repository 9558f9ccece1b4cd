"""The 999 implementation acknowledgment that answers a 005010 functional group.

The 999 (X12 005010, written to the 005010X231A1 convention, which is what GS08 and ST03 say) is
the 997 reshaped: AK1 carries the group's version (AK103), AK2 the set's implementation
convention (AK203, when its ST03 gave one), IK3 / IK4 / IK5 take the places of AK3 / AK4 / AK5
with the same codes, and IK404 copies the bad value. The checks are the 997's (``ack997.py``).

No CTX segments: X231A1 allows the segment context (CTX*SITUATIONAL TRIGGER) only for an
implementation guide's situational rule, of which our checks have none (a syntax note such as
N1's "N103 and N104 together" is reported by IK403 2 or 10 alone), and the business-unit CTX
only for the HIPAA sets' identifiers (CLM01, NM109, ...), none of which a PO or ASN has.
"""

from __future__ import annotations

from overture.channels.x12.ack997 import CheckedTransaction, group_response, segment_errors, set_response_codes
from overture.channels.x12.envelope import Group
from overture.channels.x12.writer import SegmentValues, TransactionDraft

IMPLEMENTATION = "005010X231A1"  # GS08 of the group, ST03 of each 999


def ack_999(
    group: Group, checked: list[CheckedTransaction], *, component: str, forbidden: frozenset[str]
) -> TransactionDraft:
    """The 999 answering one group: AK1, per set AK2 / IK3 / IK4 / IK5, and AK9."""
    body: list[SegmentValues] = [["AK1", group.functional_id, group.control_number, group.version]]
    for c in checked:
        convention = c.transaction.header.get(3)
        body.append(["AK2", c.transaction.code, c.transaction.control_number, convention])
        for error in segment_errors(c, component, forbidden):
            body.append(["IK3", error.tag, str(error.position), error.loop_id, error.code])
            # One IK4 per 2110 loop, and the loop repeats: every element error is kept.
            body += [["IK4", place, reference, code, copy] for place, code, copy, reference in error.elements]
        body.append(["IK5", c.verdict.value, *set_response_codes(c)])
    body.append(group_response(group, checked))
    return TransactionDraft("999", body)


def answers_with_999(group: Group) -> bool:
    """005010 groups get a 999; 004010 and older ones a 997."""
    return group.version.startswith("005010")
