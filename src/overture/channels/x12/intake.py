"""Receiving an X12 file from a trading partner: keep it, acknowledge it, turn its 850s into orders.

1. The file is stored raw before it is read, so nothing a partner sent is lost.
2. It is read and every transaction set checked (envelopes, schema); a 997 (004010 and older) or a
   999 (005010) answers each functional group: accepted, accepted with errors, or rejected, with
   the AK / IK segments; a TA1 answers an interchange whose ISA / IEA is wrong or that asks for one
   (``acknowledgements.py``). A set is acted on only if neither it, its group (AK9 R) nor its
   interchange (TA1 R) is rejected.
3. Each 850 the acknowledgment accepts is captured as an order through the same capture as every other
   channel (validated, routed, reserved), with the partner's cross-references applied. A PO the
   partner sent before (same partner, same PO number) is caught and reported, not doubled.
4. An 855 or 856 is a drop-ship supplier answering one of our 850s (``channels/x12/supplier.py``):
   matched by our PO number, it puts line decisions or a shipment on the order; one naming no PO
   of ours is quarantined with the reason.
5. A 997 / 999 is the partner acknowledging our documents (``channels/x12/partner_acks.py``): matched
   to the document by our GS06 and ST02 and its verdict kept, and (acknowledgements are not
   acknowledged) answered by no 997 of ours. What the file held is summarised for the partner view.
6. A 945 is a 3PL reporting what it shipped of one of our 940s (``channels/x12/shipping_advice.py``),
   recorded as the order's shipment; an 810 is a drop-ship supplier's invoice, matched against our
   850 and its 856 (``channels/x12/supplier_invoice.py``). Either, naming nothing of ours, is quarantined.
7. A 180 is a partner sending goods of one of its orders back (``channels/x12/return180.py``): asked
   for as a return of the order its PO names, through the same ``request_return`` as every channel,
   inside ``return_policy``'s window; one that cannot be is quarantined with the reason.

A file that is not X12 at all, or comes from a partner with no profile, is quarantined with the
reason; the caller gets it back as an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial

from overture.channels.x12.ack997 import CheckedTransaction
from overture.channels.x12.acknowledgements import (
    Acknowledgements,
    check_with_notes,
    envelope_notes,
    keep_acknowledgements,
    rejected_interchanges,
)
from overture.channels.x12.change_orders import receive_change_order
from overture.channels.x12.documents import acknowledge_order, reject_purchase_order
from overture.channels.x12.envelope import Document, read
from overture.channels.x12.errors import X12Error
from overture.channels.x12.partner_acks import note_exchange, unacknowledged
from overture.channels.x12.po850 import read_purchase_order, to_command
from overture.channels.x12.return180 import RETURN_SETS, receive_return_authorization
from overture.channels.x12.shipping_advice import ADVICE_SETS, receive_shipping_advice
from overture.channels.x12.supplier import SUPPLIER_SETS, receive_supplier_set
from overture.channels.x12.supplier_invoice import INVOICE_SETS, receive_supplier_invoice
from overture.channels.x12.tokenizer import Delimiters, Segment
from overture.channels.x12.writer import DEFAULT_SENDER, Sender, X12WriteError
from overture.domain.address_book import PartnerAddress, PartyId
from overture.domain.commands import PlaceOrder
from overture.domain.partners import PartnerProfile
from overture.domain.returns import ReturnPolicy
from overture.services.capture import capture_order
from overture.services.errors import (
    DuplicateOrder,
    ErrorCode,
    FieldError,
    PayloadError,
    PayloadRejected,
)
from overture.services.plans import ShipmentOutcome
from overture.services.ports import Clock, Geocoder, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only

CHANNEL = "edi"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TransactionOutcome:
    code: str
    control_number: str
    verdict: str
    order_id: str | None = None
    order_status: str | None = None
    duplicate: bool = False
    errors: list[dict[str, str]] = field(default_factory=list)
    shipment: ShipmentOutcome | None = None  # a drop-ship supplier's 856, recorded (or seen before)
    exception_id: str | None = None  # a drop-ship supplier's 855 that refused lines
    ack_865: str | None = None  # the 865 answering a buyer's 860 change order (channels/x12/change_orders.py)
    return_id: str | None = None  # the return a partner's 180 asked for (channels/x12/return180.py)


@dataclass(frozen=True, slots=True)
class EdiReceipt:
    message_id: str
    partner_id: str
    transactions: list[TransactionOutcome]
    functional_ack: str  # the 997s / 999s to send back, one interchange ("" when no group is answered)
    acks_855: list[str] = field(default_factory=list)  # one per order captured, for partners who want them
    functional_ack_kind: str = "997"  # "997", "999", or "997+999"
    ack_ta1: str | None = None  # the TA1 interchange(s), when an envelope is wrong or ISA14 asked for one

    @property
    def ack_997(self) -> str:
        """The functional acknowledgment under its first name (a 999 for 005010 groups)."""
        return self.functional_ack

    def replies(self) -> list[tuple[str, str]]:
        """(kind, X12) of everything that answers the file, in the order a partner expects them: the
        TA1, the functional acknowledgment (997 / 999), then the 855s and the 865s."""
        found: list[tuple[str, str]] = [("TA1", self.ack_ta1)] if self.ack_ta1 else []
        if self.functional_ack:
            found.append((self.functional_ack_kind, self.functional_ack))
        found += [("855", ack) for ack in self.acks_855]
        return found + [("865", t.ack_865) for t in self.transactions if t.ack_865]


def receive_x12(
    uow_factory: UnitOfWorkFactory,
    message: InboundMessage,
    *,
    geocoder: Geocoder,
    clock: Clock,
    us: Sender = DEFAULT_SENDER,
    return_policy: ReturnPolicy | None = None,
) -> EdiReceipt:
    message_id = in_transaction(uow_factory, lambda uow: uow.messages.add(message))
    try:
        document = read(message.body)
    except X12Error as error:
        problem = error.problem
        reason = FieldError(problem.segment_id or "ISA", ErrorCode.INVALID_VALUE, str(problem))
        raise _quarantined(uow_factory, message_id, ErrorCode.VALIDATION_FAILED, reason) from error
    if not document.interchanges:
        reason = FieldError("ISA", ErrorCode.REQUIRED, "the file holds no interchange")
        raise _quarantined(uow_factory, message_id, ErrorCode.VALIDATION_FAILED, reason)
    first = document.interchanges[0]
    partner = read_only(uow_factory, lambda uow: uow.partners.by_x12(*first.sender))
    if partner is None:
        qualifier, sender = first.sender
        reason = FieldError("ISA06", ErrorCode.NOT_FOUND, f"no trading partner profile for ISA {qualifier}/{sender}")
        raise _quarantined(uow_factory, message_id, ErrorCode.NOT_FOUND, reason)
    at = clock()
    notes = in_transaction(
        uow_factory, lambda uow: envelope_notes(uow, document, partner.partner_id, message_id=message_id, at=at)
    )
    checked = check_with_notes(document, notes, strict=partner.strict)
    capture = partial(_capture, uow_factory=uow_factory, geocoder=geocoder, clock=clock, us=us, returns=return_policy)
    outcomes = [capture(c, partner, message) for c in checked]
    owed = unacknowledged(document, checked)  # the partner's 997s / 999s are not acknowledged
    ack = in_transaction(
        uow_factory,
        lambda uow: keep_acknowledgements(
            uow, owed.document, owed.checked, notes, partner, us=us, message_id=message_id, at=at
        ),
    )
    acks = _acks_855(uow_factory, checked, outcomes, partner, us=us, at=at, message_id=message_id)
    made = [t.order_id for t in outcomes if t.order_id and not t.duplicate]
    noted = partial(note_exchange, message=message, message_id=message_id, partner_id=partner.partner_id)
    in_transaction(uow_factory, lambda uow: noted(uow, document, checked, notes, order_ids=made))
    _settle(uow_factory, message_id, document, notes)
    return _receipt(message_id, partner, outcomes, ack, acks)


def _acks_855(
    uow_factory: UnitOfWorkFactory,
    checked: list[CheckedTransaction],
    outcomes: list[TransactionOutcome],
    partner: PartnerProfile,
    *,
    us: Sender,
    at: datetime,
    message_id: str,
) -> list[str]:
    """An 855 per order captured, and one rejecting each PO that could not become an order."""
    acks = [
        _unless_unwritable(
            partial(in_transaction, uow_factory, partial(acknowledge_order, order_id=o, sender=us, at=at))
        )
        for o in dict.fromkeys(t.order_id for t in outcomes if t.code == "850" and t.order_id and not t.duplicate)
    ]
    for c, outcome in zip(checked, outcomes, strict=True):
        if outcome.errors and partner.wants_855 and outcome.code == "850":
            reject = partial(_reject_855, uow_factory, c, partner, outcome, us, at, message_id)
            acks.append(_unless_unwritable(reject))
    return [a for a in acks if a]


def _settle(uow_factory: UnitOfWorkFactory, message_id: str, document: Document, notes: list[list[str]]) -> None:
    """Accepted, unless the TA1 rejects every interchange in the file: then it waits in quarantine."""
    if len(rejected_interchanges(document, notes)) < len(document.interchanges):
        in_transaction(uow_factory, lambda uow: uow.messages.settle(message_id, MessageStatus.ACCEPTED))
        return
    reason = FieldError("ISA", ErrorCode.INVALID_VALUE, f"interchange rejected (TA1 R, note {notes[0][0]})")
    _quarantined(uow_factory, message_id, ErrorCode.VALIDATION_FAILED, reason)


def _receipt(
    message_id: str, partner: PartnerProfile, outcomes: list[TransactionOutcome], ack: Acknowledgements, acks: list[str]
) -> EdiReceipt:
    return EdiReceipt(
        message_id,
        partner.partner_id,
        outcomes,
        ack.functional,
        acks,
        functional_ack_kind=ack.kind,
        ack_ta1=ack.ta1,
    )


def _capture(
    checked: CheckedTransaction,
    partner: PartnerProfile,
    message: InboundMessage,
    *,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
    us: Sender = DEFAULT_SENDER,
    returns: ReturnPolicy | None = None,
) -> TransactionOutcome:
    t = checked.transaction
    base = TransactionOutcome(t.code, t.control_number, checked.verdict.value if checked.accepted else "R")
    if checked.accepted and t.code in RETURN_SETS:  # a partner sending goods back
        return _return(checked, base, partner, message, uow_factory=uow_factory, policy=returns, clock=clock)
    if checked.accepted and t.code in ADVICE_SETS | INVOICE_SETS:  # a 3PL's 945, a drop-ship supplier's 810
        return _advice_or_invoice(checked, base, partner, message, uow_factory=uow_factory, clock=clock)
    if not checked.accepted or t.code not in SUPPLIER_SETS | {"850", "860"}:
        return base
    interchange = checked.interchange
    assert interchange is not None  # check_document names each set's interchange
    if t.code == "860":  # the buyer changing a PO it sent
        changed = receive_change_order(
            checked, partner, message.received_at, uow_factory=uow_factory, geocoder=geocoder, clock=clock, us=us
        )
        return replace(base, order_id=changed.order_id, errors=changed.errors, ack_865=changed.ack_865)
    if t.code in SUPPLIER_SETS:  # a drop-ship supplier answering our 850
        answer = receive_supplier_set(
            t, interchange.delimiters, partner, message.received_at, uow_factory=uow_factory, clock=clock
        )
        return replace(
            base,
            order_id=answer.order_id,
            errors=answer.errors,
            shipment=answer.shipment,
            exception_id=answer.exception_id,
            duplicate=answer.shipment is not None and not answer.shipment.recorded,
        )

    def translate(_: bytes) -> PlaceOrder:
        order = read_purchase_order(t, interchange.delimiters)
        book = partial(_address_of, uow_factory, partner.partner_id)
        return to_command(
            order, partner, interchange=interchange, group=checked.group, transaction=t, address_book=book
        )

    # Each order keeps its own transaction set as its raw message; the whole file is kept too.
    raw = InboundMessage(CHANNEL, _segments_text(t.segments, interchange.delimiters), message.received_at, "x12")
    try:
        result = capture_order(
            raw, translate, idempotency_key=None, uow_factory=uow_factory, geocoder=geocoder, clock=clock
        )
    except DuplicateOrder as duplicate:
        return replace(base, order_id=duplicate.order_id, duplicate=True)
    except PayloadRejected as rejected:
        errors = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in rejected.errors]
        return replace(base, errors=errors)
    return replace(base, order_id=result.order.id, order_status=result.order.status)


def _address_of(uow_factory: UnitOfWorkFactory, partner_id: str, party: PartyId) -> PartnerAddress | None:
    return read_only(uow_factory, lambda uow: uow.partners.address(partner_id, party))


def _advice_or_invoice(
    checked: CheckedTransaction,
    base: TransactionOutcome,
    partner: PartnerProfile,
    message: InboundMessage,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> TransactionOutcome:
    """A 3PL's 945 recorded as the shipment of the order its 940 was for; a supplier's 810 matched
    against our PO and its 856. Either, naming nothing of ours, is quarantined with the reason."""
    t, interchange = checked.transaction, checked.interchange
    assert interchange is not None
    receive = receive_shipping_advice if t.code in ADVICE_SETS else receive_supplier_invoice
    answer = receive(t, interchange.delimiters, partner, message.received_at, uow_factory=uow_factory, clock=clock)
    duplicate = answer.shipment is not None and not answer.shipment.recorded
    return replace(base, order_id=answer.order_id, errors=answer.errors, shipment=answer.shipment, duplicate=duplicate)


def _return(
    checked: CheckedTransaction,
    base: TransactionOutcome,
    partner: PartnerProfile,
    message: InboundMessage,
    *,
    uow_factory: UnitOfWorkFactory,
    policy: ReturnPolicy | None,
    clock: Clock,
) -> TransactionOutcome:
    """A 180 asked for as a return, its own set kept as the return's raw message (as an 850's is)."""
    t, interchange = checked.transaction, checked.interchange
    assert interchange is not None
    raw = InboundMessage(CHANNEL, _segments_text(t.segments, interchange.delimiters), message.received_at, "x12")
    answer = receive_return_authorization(
        checked, partner, raw, uow_factory=uow_factory, policy=policy or ReturnPolicy(), clock=clock
    )
    return replace(
        base, order_id=answer.order_id, return_id=answer.return_id, duplicate=answer.duplicate, errors=answer.errors
    )


def _reject_855(
    uow_factory: UnitOfWorkFactory,
    checked: CheckedTransaction,
    partner: PartnerProfile,
    outcome: TransactionOutcome,
    us: Sender,
    at: datetime,
    message_id: str,
) -> str | None:
    """An 855 rejecting a purchase order that could not become an order, each line with the reason."""
    interchange = checked.interchange
    assert interchange is not None
    try:
        order = read_purchase_order(checked.transaction, interchange.delimiters)
    except PayloadError:
        return None  # not even a PO number to answer: the 997 says what is wrong
    reason = "; ".join(e["reason"] for e in outcome.errors)[:80]
    reference = f"{message_id}:{checked.group.control_number}:{checked.transaction.control_number}"
    return in_transaction(
        uow_factory,
        lambda uow: reject_purchase_order(uow, partner, order, reason, reference=reference, sender=us, at=at),
    )


def _unless_unwritable(write: Callable[[], str | None]) -> str | None:
    """An 855, or None when a value it must echo holds a delimiter of the reply (a PO number holding
    the component separator): X12 cannot escape it, and the 997 and the receipt still answer."""
    try:
        return write()
    except X12WriteError as error:
        log.warning("no 855 sent: %s", error)
        return None


def _segments_text(segments: list[Segment], delimiters: Delimiters) -> bytes:
    lines = [delimiters.element.join(s.elements) + delimiters.segment for s in segments]
    return "\n".join(lines).encode()


def _quarantined(
    uow_factory: UnitOfWorkFactory, message_id: str, kind: ErrorCode, error: FieldError
) -> PayloadRejected:
    def work(uow: UnitOfWork) -> None:
        uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason=kind.value, errors=[error])

    in_transaction(uow_factory, work)
    return PayloadRejected(message_id=message_id, kind=kind, errors=[error])
