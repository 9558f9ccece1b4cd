"""``overture edi inspect`` for EDIFACT: what a file holds, what is wrong with it, the orders it becomes.

The same report as X12's (``channels/x12/inspect.py``): per interchange (UNB) its messages with
their verdicts and positioned problems, and for an ORDERS the canonical order it maps to with the
partner's profile (``order``) or why it does not (``order_errors``: application errors, which an
APERAK would answer; they do not make the file invalid).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from overture.channels.edifact.checks import CheckedMessage, Verdict, check_document
from overture.channels.edifact.envelope import Interchange, read
from overture.channels.edifact.errors import EdifactError
from overture.channels.edifact.mapping import to_command
from overture.channels.edifact.orders import read_purchase_order
from overture.domain.partners import PartnerProfile
from overture.services.errors import PayloadError

ProfileLookup = Callable[[Interchange], PartnerProfile]


def default_profile(interchange: Interchange) -> PartnerProfile:
    """No profile on file: the partner is known by its UNB sender id and its ids are taken as ours."""
    return PartnerProfile(partner_id=interchange.sender[0] or "unknown")


def is_edifact(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:3]
    return head in (b"UNA", b"UNB")


def inspect(data: bytes, profile_for: ProfileLookup = default_profile) -> tuple[dict[str, Any], bool]:
    """A JSON-ready report, and whether the file is valid (no problem anywhere in it)."""
    try:
        document = read(data)
    except EdifactError as error:
        return {"standard": "EDIFACT", "valid": False, "problems": [error.problem.to_json()], "interchanges": []}, False
    checked = check_document(document)
    report: dict[str, Any] = {
        "standard": "EDIFACT",
        "problems": [p.to_json() for p in document.problems],
        "interchanges": [_interchange(i, checked, profile_for) for i in document.interchanges],
    }
    valid = not document.all_problems() and all(not c.problems for c in checked)
    report["valid"] = valid
    return report, valid


def _interchange(interchange: Interchange, checked: list[CheckedMessage], profile_for: ProfileLookup) -> dict[str, Any]:
    c = interchange.characters
    return {
        "control_reference": interchange.control_reference,
        "syntax": ":".join(interchange.syntax),
        "sender": ":".join(s for s in interchange.sender if s),
        "recipient": ":".join(s for s in interchange.recipient if s),
        "characters": {
            "component": c.component_separator,
            "element": c.data_separator,
            "decimal": c.decimal_point,
            "release": c.escape_character,
            "segment": c.segment_terminator,
        },
        "problems": [p.to_json() for p in interchange.problems],
        "messages": [_message(m, profile_for) for m in checked if m.interchange is interchange],
    }


def _message(checked: CheckedMessage, profile_for: ProfileLookup) -> dict[str, Any]:
    message = checked.message
    data: dict[str, Any] = {
        "type": message.type,
        "version": f"{message.version}:{message.release}",
        "association": message.association,
        "reference": message.reference,
        "segments": len(message.segments),
        "schema": checked.supported,
        "verdict": checked.verdict.value,
        "problems": [p.to_json() for p in checked.problems],
    }
    if message.type == "ORDERS" and checked.verdict is not Verdict.REJECTED:
        order = read_purchase_order(message)
        try:
            command = to_command(
                order,
                profile_for(checked.interchange),
                interchange_reference=checked.interchange.control_reference,
                message_reference=message.reference,
            )
            data["order"] = {
                "po_number": order.po_number,
                "external_id": command.external_id,
                "currency": command.currency,
                "ship_to": {"name": command.ship_to.name, "postal_code": command.ship_to.postal_code},
                "lines": [
                    {"sku": x.sku, "quantity": x.quantity, "unit_price": str(x.unit_price)} for x in command.lines
                ],
            }
        except PayloadError as error:
            data["order_errors"] = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in error.errors]
    return data
