"""``overture edi inspect``: what a file holds, what is wrong with it, and the orders it becomes.

A file is valid when the standard says so. An 850 that does not map to an order (an unknown SKU, a
ship-to known only to the partner's address book) is reported under ``order_errors``: that is for
the partner's profile and our catalogue to settle, not a fault of the document.

Problems refuse (the file is not valid); warnings do not: segments outside the standard's table
that a tolerant partner's documents may carry (``schema.TOLERATED``). ``strict`` reads them as a
strict partner's profile does, as problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from overture.channels.x12.ack997 import CheckedTransaction, check_document, group_verdict
from overture.channels.x12.envelope import Document, Group, Interchange, read
from overture.channels.x12.errors import Problem, X12Error
from overture.channels.x12.po850 import read_purchase_order, to_command
from overture.channels.x12.schema import TOLERATED
from overture.domain.commands import PlaceOrder
from overture.domain.partners import PartnerProfile
from overture.services.errors import PayloadError

ProfileLookup = Callable[[Interchange], PartnerProfile]


def default_profile(interchange: Interchange) -> PartnerProfile:
    """No profile on file: the partner is known by its ISA sender id and its ids are taken as ours."""
    return PartnerProfile(partner_id=interchange.sender[1] or "unknown")


def inspect(
    data: bytes, profile_for: ProfileLookup = default_profile, *, strict: bool = False
) -> tuple[dict[str, Any], bool]:
    """A JSON-ready report, and whether the file is valid (no problem anywhere in it)."""
    try:
        document = read(data)
    except X12Error as error:
        return {"valid": False, "problems": [error.problem.to_json()], "interchanges": []}, False
    checked = check_document(document, strict=strict)
    report = _document(document, checked, profile_for, strict)
    valid = not _has_problems(report)
    report["valid"] = valid
    return report, valid


def _document(
    document: Document, checked: list[CheckedTransaction], profile_for: ProfileLookup, strict: bool
) -> dict[str, Any]:
    return {
        "problems": [p.to_json() for p in document.problems],
        "interchanges": [_interchange(i, checked, profile_for, strict) for i in document.interchanges],
    }


def _interchange(
    interchange: Interchange, checked: list[CheckedTransaction], profile_for: ProfileLookup, strict: bool
) -> dict[str, Any]:
    d = interchange.delimiters
    return {
        "control_number": interchange.control_number,
        "sender": "/".join(interchange.sender),
        "receiver": "/".join(interchange.receiver),
        "delimiters": {
            "element": d.element,
            "component": d.component,
            "segment": d.segment,
            "repetition": d.repetition,
        },
        "problems": [p.to_json() for p in interchange.problems],
        "groups": [_group(interchange, g, checked, profile_for, strict) for g in interchange.groups],
    }


def _group(
    interchange: Interchange,
    group: Group,
    checked: list[CheckedTransaction],
    profile_for: ProfileLookup,
    strict: bool,
) -> dict[str, Any]:
    mine = [c for c in checked if c.group is group]
    return {
        "functional_id": group.functional_id,
        "control_number": group.control_number,
        "version": group.version,
        "verdict": group_verdict(group, mine).value,
        "problems": [p.to_json() for p in group.problems],
        "transactions": [_transaction(interchange, c, profile_for, strict) for c in mine],
    }


def _transaction(
    interchange: Interchange, checked: CheckedTransaction, profile_for: ProfileLookup, strict: bool
) -> dict[str, Any]:
    t = checked.transaction
    warned: list[Problem] = [] if strict else [p for p in checked.problems if p.code in TOLERATED]
    data: dict[str, Any] = {
        "code": t.code,
        "control_number": t.control_number,
        "segments": len(t.segments),
        "schema": checked.supported,
        "verdict": checked.verdict.value,
        "problems": [p.to_json() for p in checked.problems if p not in warned],
        "warnings": [p.to_json() for p in warned],
    }
    if t.code == "850":
        try:
            order = read_purchase_order(t, interchange.delimiters)
            command = to_command(
                order, profile_for(interchange), interchange=interchange, group=checked.group, transaction=t
            )
            data["order"] = order_json(order.po_number, command)
        except PayloadError as error:
            data["order_errors"] = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in error.errors]
    return data


def order_json(po_number: str, command: PlaceOrder) -> dict[str, Any]:
    return {
        "po_number": po_number,
        "external_id": command.external_id,
        "currency": command.currency,
        "ship_to": {"name": command.ship_to.name, "postal_code": command.ship_to.postal_code},
        "lines": [{"sku": x.sku, "quantity": x.quantity, "unit_price": str(x.unit_price)} for x in command.lines],
    }


def _has_problems(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("problems"):
            return True
        return any(_has_problems(v) for v in node.values() if isinstance(v, (dict, list)))
    if isinstance(node, list):
        return any(_has_problems(v) for v in node)
    return False
