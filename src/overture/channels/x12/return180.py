"""A trading partner's 180 (Return Merchandise Authorization and Notification) into ``RequestReturn``.

The set (tables/180.<version>.json) opens with BGN (BGN01 purpose, BGN02 the partner's reference
for the return, BGN03 its date), then optional RDR (the return's reason), PRF (the original purchase
order) and N9s, and one BLI loop per item: BLI01/02 the product id and its qualifier (VN, SK, BP,
UP, ...; more pairs from BLI08 on), BLI03 the quantity in BLI04's unit, and in the loop its own RDR
and PRF. What we read:

- the return is the partner's BGN02, kept per partner (``<partner>:<BGN02>`` on channel ``edi``), so
  the same 180 again is the same return; only an original (BGN01 00) is acted on;
- the order is the PO it names: the header's PRF01, else an N9 with qualifier PO, else the first
  item's PRF01; our 850 orders are ``<partner>:<PO number>`` on channel ``edi`` (po850.py);
- each item's SKU through the partner's cross-reference, else by qualifier as the 850 reads them,
  and its quantity through the partner's unit factors (a case of 12 is 12 units);
- RDR02 (element 1293, Return Request Reason Code), the item's else the header's, mapped to our
  reasons; a code we do not map is ``other`` with the code kept in the line's note.

A partner returning goods is credited against its invoice: the return settles as a refund (which,
for an order paid on terms, is the credit the 812 adjustment tells the partner of).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from overture.channels.x12.ack997 import CheckedTransaction
from overture.channels.x12.envelope import Transaction
from overture.channels.x12.po850 import SKU_QUALIFIERS, optional_decimal
from overture.channels.x12.tokenizer import Segment
from overture.domain.partners import PartnerProfile
from overture.domain.returns import RequestReturn, ReturnLineRequest, ReturnPolicy, ReturnReason, Settlement
from overture.services import returns
from overture.services.errors import ActionRefused, ErrorCode, FieldError, InvalidRequest, NotFound, PayloadError
from overture.services.ports import Clock, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

CHANNEL = "edi"
RETURN_SETS = frozenset({"180"})
ORIGINAL = "00"  # BGN01: a 180 that cancels or replaces an earlier one is not acted on
# RDR02 (element 1293) -> our reason; the code's name is kept in the note as the standard words it.
REASONS: dict[str, tuple[ReturnReason, str]] = {
    "DA": (ReturnReason.DAMAGED, "Damaged Product"),
    "DT": (ReturnReason.DAMAGED, "Damaged In Transit"),
    "DP": (ReturnReason.DAMAGED, "Defective Packaging"),
    "DM": (ReturnReason.DEFECTIVE, "Defective Merchandise or Store Inspection"),
    "DR": (ReturnReason.DEFECTIVE, "Defective Merchandise or Returned by Consumer"),
    "PW": (ReturnReason.DEFECTIVE, "Poor Workmanship"),
    "WG": (ReturnReason.WRONG_ITEM, "Wrong Goods or Not Ordered"),
    "CO": (ReturnReason.WRONG_ITEM, "Customer Ordering Error"),
    "NA": (ReturnReason.NOT_AS_DESCRIBED, "Not as Expected"),
    "CV": (ReturnReason.NOT_AS_DESCRIBED, "Color Variance"),
    "ST": (ReturnReason.NOT_AS_DESCRIBED, "Style Problem"),
    "PF": (ReturnReason.SIZE_OR_FIT, "Poor Fit"),
    "EI": (ReturnReason.NO_LONGER_NEEDED, "Excess Inventory"),
    "EO": (ReturnReason.NO_LONGER_NEEDED, "End of Season"),
    "SR": (ReturnReason.NO_LONGER_NEEDED, "Stock Reduction Agreement"),
    "SP": (ReturnReason.ARRIVED_LATE, "Shipped past Cancel Date"),
}


@dataclass(frozen=True, slots=True)
class RmaLine:
    product_ids: dict[str, str]  # qualifier -> id, as BLI01/02 and BLI08-13 carry them
    quantity: Decimal | None
    uom: str
    reason_code: str = ""  # the loop's RDR02
    reason_text: str = ""  # the loop's RDR04
    po_number: str = ""  # the loop's PRF01


@dataclass(frozen=True, slots=True)
class ReturnAuthorization:
    purpose: str
    reference: str  # BGN02
    date: str  # BGN03
    po_number: str
    reason_code: str
    reason_text: str
    lines: list[RmaLine] = field(default_factory=list)


def read_return_authorization(transaction: Transaction) -> ReturnAuthorization:
    """The 180's content, without judging it against a partner (that is ``to_command``)."""
    bgn = next((s for s in transaction.body if s.tag == "BGN"), None)
    if bgn is None:
        raise PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError("BGN", ErrorCode.REQUIRED, "a 180 needs BGN")])
    po_number, reason = "", ("", "")
    lines: list[RmaLine] = []
    for segment in transaction.body:
        tag = segment.tag
        if tag == "BLI":
            lines.append(_line(segment, len(lines) + 1))
        elif tag == "RDR" and lines:
            lines[-1] = _with(lines[-1], reason_code=segment.get(2), reason_text=segment.get(4))
        elif tag == "RDR":
            reason = (segment.get(2), segment.get(4))
        elif tag == "PRF" and lines:
            lines[-1] = _with(lines[-1], po_number=segment.get(1))
        elif tag == "PRF" or (tag == "N9" and segment.get(1) == "PO" and not lines):
            po_number = po_number or segment.get(1 if tag == "PRF" else 2)
    first_po = next((x.po_number for x in lines if x.po_number), "")
    return ReturnAuthorization(bgn.get(1), bgn.get(2), bgn.get(3), po_number or first_po, *reason, lines)


def _line(segment: Segment, n: int) -> RmaLine:
    ids = {segment.get(1): segment.get(2)} if segment.get(1) and segment.get(2) else {}
    for qualifier, value in segment.id_pairs(8).items():
        ids.setdefault(qualifier, value)
    return RmaLine(ids, optional_decimal(segment.get(3), f"BLI[{n}].BLI03"), segment.get(4))


def _with(line: RmaLine, **changes: str) -> RmaLine:
    fields = {
        "reason_code": line.reason_code,
        "reason_text": line.reason_text,
        "po_number": line.po_number,
        **changes,
    }
    return RmaLine(line.product_ids, line.quantity, line.uom, **fields)


def to_command(rma: ReturnAuthorization, partner: PartnerProfile) -> RequestReturn:
    """The return request for this 180 from this partner; PayloadError naming what cannot map."""
    errors: list[FieldError] = []
    if rma.purpose != ORIGINAL:
        reason = f"BGN01 {rma.purpose!r}: only an original 180 (00) is acted on"
        errors.append(FieldError("BGN01", ErrorCode.INVALID_VALUE, reason))
    if not rma.reference:
        errors.append(FieldError("BGN02", ErrorCode.REQUIRED, "the return's reference is empty"))
    if not rma.po_number:
        errors.append(FieldError("PRF01", ErrorCode.REQUIRED, "no purchase order named (PRF, or N9 PO)"))
    if not rma.lines:
        errors.append(FieldError("BLI", ErrorCode.REQUIRED, "the 180 has no BLI items"))
    lines = [_request(line, n, rma, partner, errors) for n, line in enumerate(rma.lines, start=1)]
    if errors:
        raise PayloadError(ErrorCode.VALIDATION_FAILED, errors)
    return RequestReturn(
        channel=CHANNEL,
        external_id=f"{partner.partner_id}:{rma.reference}",
        lines=tuple(x for x in lines if x is not None),
        settlement=Settlement.REFUND,
        order_external_id=f"{partner.partner_id}:{rma.po_number}",
        order_channel=CHANNEL,
        actor=partner.partner_id,
        note=f"180 {rma.reference} from {partner.partner_id} for PO {rma.po_number}",
    )


def _request(
    line: RmaLine, n: int, rma: ReturnAuthorization, partner: PartnerProfile, errors: list[FieldError]
) -> ReturnLineRequest | None:
    sku = partner.our_sku(line.product_ids) or next(
        (line.product_ids[q] for q in SKU_QUALIFIERS if line.product_ids.get(q)), None
    )
    sku = sku or next(iter(line.product_ids.values()), None)
    if sku is None:
        errors.append(FieldError(f"BLI[{n}].BLI02", ErrorCode.REQUIRED, "the item carries no product id"))
        return None
    units = (line.quantity or Decimal(0)) * partner.uom_factors.get(line.uom, 1)
    if units <= 0 or units != units.to_integral_value():
        why = f"{line.quantity} {line.uom} is not a whole number of units"
        errors.append(FieldError(f"BLI[{n}].BLI03", ErrorCode.INVALID_VALUE, why))
        return None
    reason, note = reason_of(line.reason_code or rma.reason_code, line.reason_text or rma.reason_text)
    return ReturnLineRequest(int(units), reason, sku=sku, note=note)


def reason_of(code: str, text: str = "") -> tuple[ReturnReason, str]:
    """RDR02 -> our reason, and the line's note: the code, its standard name, the partner's words."""
    if not code:
        return ReturnReason.OTHER, f"no RDR02 reason code{': ' + text if text else ''}"
    ours, name = REASONS.get(code, (ReturnReason.OTHER, "not mapped"))
    return ours, f"RDR02 {code} ({name})" + (f": {text}" if text else "")


@dataclass(frozen=True, slots=True)
class ReturnAnswer:
    order_id: str | None = None
    return_id: str | None = None
    duplicate: bool = False
    errors: list[dict[str, str]] = field(default_factory=list)


def receive_return_authorization(
    checked: CheckedTransaction,
    partner: PartnerProfile,
    raw: InboundMessage,
    *,
    uow_factory: UnitOfWorkFactory,
    policy: ReturnPolicy,
    clock: Clock,
) -> ReturnAnswer:
    """An accepted 180 asked for as a return (``raw``, the set's own text, kept with it); one that
    cannot be is kept in quarantine with the reason, and the errors go back with the receipt."""
    try:
        command = to_command(read_return_authorization(checked.transaction), partner)
        outcome = returns.request_return(uow_factory, command, message=raw, policy=policy, clock=clock)
    except PayloadError as error:
        return _refused(uow_factory, raw, error.kind.value, error.errors)
    except InvalidRequest as error:
        return _refused(uow_factory, raw, ErrorCode.VALIDATION_FAILED.value, [_as_item(error.error)])
    except (NotFound, ActionRefused) as error:
        code = ErrorCode.NOT_FOUND if isinstance(error, NotFound) else ErrorCode.INVALID_VALUE
        return _refused(uow_factory, raw, "not_returnable", [FieldError("PRF01", code, str(error))])
    ret = outcome.ret
    return ReturnAnswer(ret.order_id, ret.id, duplicate=not outcome.created)


def _as_item(error: FieldError) -> FieldError:
    """``lines[0].quantity`` (the return request's line) as the 180 numbers it: ``BLI[1].quantity``."""
    match = re.fullmatch(r"lines\[(\d+)\](.*)", error.field)
    return error if match is None else replace(error, field=f"BLI[{int(match[1]) + 1}]{match[2]}")


def _refused(uow_factory: UnitOfWorkFactory, raw: InboundMessage, kind: str, errors: list[FieldError]) -> ReturnAnswer:
    def work(uow: UnitOfWork) -> None:
        message_id = uow.messages.add(raw, status=MessageStatus.QUARANTINED)
        uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason=kind, errors=errors)

    in_transaction(uow_factory, work)
    return ReturnAnswer(errors=[{"field": e.field, "code": e.code.value, "reason": e.reason} for e in errors])
