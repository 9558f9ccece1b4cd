"""Our message checks, and the verdict on each message: accepted, accepted with errors, rejected.

A message is checked for its envelope (UNH/UNT), its elements (for UN/EDIFACT D-directory
messages: the directory's segment definitions hold in every message), its structure when we have
its schema (``directory.py``: ORDERS, ORDRSP, ORDCHG in; DESADV, INVOIC, APERAK, CONTRL too
for what we write), and, for ORDERS, whether its amounts and line count add up. Problems
that leave the content readable (an extra element or component, a code we do not know, a value
too long) are only noted; every other one rejects the message. Interchange and group problems
are reported with their envelope and do not reject the messages inside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from overture.channels.edifact.directory import ELEMENTS, INBOUND, schema_for
from overture.channels.edifact.envelope import Document, Interchange, Message
from overture.channels.edifact.errors import Problem, ProblemCode
from overture.channels.edifact.orders import content_problems, read_purchase_order
from overture.channels.edifact.schema import MessageSchema, check_elements, validate

NOTED_ONLY = frozenset(
    {
        ProblemCode.TOO_MANY_ELEMENTS,
        ProblemCode.TOO_MANY_COMPONENTS,
        ProblemCode.ELEMENT_TOO_LONG,
        ProblemCode.BAD_CODE,
    }
)


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class CheckedMessage:
    interchange: Interchange
    message: Message
    problems: list[Problem]  # envelope, element, structure and content problems together
    verdict: Verdict
    supported: bool  # we have a schema for its type and release

    @property
    def is_order(self) -> bool:
        return self.supported and self.message.type == "ORDERS"


def check_message(
    interchange: Interchange, message: Message, *, schemas: Mapping[str, MessageSchema] = INBOUND
) -> CheckedMessage:
    """One message's problems and verdict. ``schemas``: the messages we read (``directory.INBOUND``),
    or every one we know (``directory.SCHEMAS``) when checking what we write."""
    problems = list(message.problems)
    if message.version == "D" and message.header.get(2, 4) == "UN":
        problems += check_elements(message.body, ELEMENTS)
    schema = schema_for(message.type, message.version, message.release, schemas)
    if schema is not None:
        problems += validate(schema, message)
        if schema.type == "ORDERS":
            problems += content_problems(read_purchase_order(message))
    elif message.type in schemas:
        known = ", ".join(sorted(schemas[message.type].releases))
        text = f"{message.type} {message.version}:{message.release} is not a release we read ({known})"
        header = message.header
        problems.append(Problem(ProblemCode.UNSUPPORTED_RELEASE, text, header.position, header.tag, 2, 3))
    problems.sort(key=lambda p: p.segment_position or 0)
    return CheckedMessage(interchange, message, problems, _verdict(problems), schema is not None)


def check_document(document: Document, *, schemas: Mapping[str, MessageSchema] = INBOUND) -> list[CheckedMessage]:
    return [check_message(interchange, message, schemas=schemas) for interchange, message in document.messages()]


def _verdict(problems: list[Problem]) -> Verdict:
    if not problems:
        return Verdict.ACCEPTED
    if all(p.code in NOTED_ONLY for p in problems):
        return Verdict.ACCEPTED_WITH_ERRORS
    return Verdict.REJECTED
