"""An AS2 message received: kept raw, read, answered with an MDN, and its X12 received as every X12 file is.

1. The HTTP request (headers and body, still encrypted) is kept as an inbound message of channel
   ``as2`` before anything reads it, with its AS2 message id and AS2 ids as the transport's receipt.
2. pyas2lib decrypts and verifies it as the partner's settings require and builds the MDN. Whatever
   went wrong (unknown partner, unsigned, undecryptable, a message id processed before) is the MDN's
   disposition, and the raw message is quarantined (or marked duplicate) with it as the reason.
3. The exchange is recorded with its MIC and MDN; the payload goes to ``receive_x12`` carrying the
   receipt too (AS2 message id, MDN id, AS2 ids), so the X12 file's own record says how it came.
4. An MDN arriving here instead of a message is a partner's asynchronous receipt for one we sent.

If the X12 intake fails for a reason that may pass (the store), the exchange is marked so and the
error raised: the HTTP 500 makes the partner resend, and the resent message id is processed then.
"""

from __future__ import annotations

from dataclasses import dataclass

from overture.channels.transports import as2
from overture.channels.transports.as2_outbound import accept_mdn
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.channels.x12.writer import Sender
from overture.services.errors import ErrorCode, FieldError, PayloadRejected
from overture.services.ports import (
    As2Exchange,
    As2Identity,
    As2PartnerSettings,
    Clock,
    Direction,
    Geocoder,
    InboundMessage,
    MessageStatus,
    UnitOfWork,
    UnitOfWorkFactory,
)
from overture.services.retry import in_transaction, read_only

CHANNEL = "as2"
UNEXPECTED = "processed/Error: unexpected-processing-error"


@dataclass(frozen=True, slots=True)
class As2Answer:
    """What to answer: the MDN (in the response, or posted to ``mdn_url`` after it), and what became of
    the X12 it carried (``receipt``, or ``rejected`` when the intake quarantined it)."""

    raw_message_id: str
    disposition: str
    partner_id: str | None = None
    mdn: as2.Wire | None = None
    mdn_url: str | None = None
    receipt: EdiReceipt | None = None
    rejected: PayloadRejected | None = None


def receive_as2(
    uow_factory: UnitOfWorkFactory, wire: as2.Wire, *, geocoder: Geocoder, clock: Clock, us: Sender
) -> As2Answer:
    envelope = as2.envelope(wire)
    raw_id = in_transaction(uow_factory, lambda uow: uow.messages.add(_raw(wire, envelope, clock)))
    if as2.is_mdn(wire):
        disposition = accept_mdn(uow_factory, wire, clock=clock)
        _settle_raw(uow_factory, raw_id, disposition)
        return As2Answer(raw_id, disposition)
    identity, settings = read_only(uow_factory, lambda uow: _parties(uow, envelope))
    received = as2.read_message(
        wire, identity=identity, settings=settings, seen=lambda message_id: _seen(uow_factory, envelope, message_id)
    )
    partner_id = settings.partner_id if settings and identity else None
    in_transaction(uow_factory, lambda uow: _keep(uow, received, raw_id, partner_id, clock))
    answer = As2Answer(raw_id, received.disposition, partner_id, received.mdn, received.mdn_url)
    if not received.processed or received.payload is None:
        return answer
    message = InboundMessage(
        "edi",
        received.payload,
        clock(),
        as2.X12_CONTENT_TYPE,
        {"x-filename": received.filename} if received.filename else {},
        transport=_receipt(received, raw_id),
    )
    try:
        receipt = receive_x12(uow_factory, message, geocoder=geocoder, clock=clock, us=us)
    except PayloadRejected as rejected:
        return As2Answer(raw_id, received.disposition, partner_id, received.mdn, received.mdn_url, rejected=rejected)
    except Exception:
        in_transaction(uow_factory, lambda uow: _unsettle(uow, received, clock))
        raise
    return As2Answer(raw_id, received.disposition, partner_id, received.mdn, received.mdn_url, receipt=receipt)


def _raw(wire: as2.Wire, envelope: as2.Envelope, clock: Clock) -> InboundMessage:
    headers = {k.lower(): v for k, v in wire.headers.items() if k.lower() not in as2.PRIVATE_HEADERS}
    receipt = {"transport": "as2", "as2_message_id": envelope.message_id}
    receipt |= {"as2_from": envelope.as2_from, "as2_to": envelope.as2_to}
    content_type = headers.get("content-type", "application/pkcs7-mime")
    return InboundMessage(CHANNEL, wire.body, clock(), content_type, headers, transport=receipt)


def _receipt(received: as2.Received, raw_id: str) -> dict[str, str]:
    e = received.envelope
    receipt = {"transport": "as2", "as2_message_id": e.message_id, "as2_from": e.as2_from, "as2_to": e.as2_to}
    receipt["as2_raw_message_id"] = raw_id
    if received.mdn_message_id:
        receipt["mdn_message_id"] = received.mdn_message_id
    if received.mic:
        receipt["mic"] = received.mic
    return receipt


def _parties(uow: UnitOfWork, envelope: as2.Envelope) -> tuple[As2Identity | None, As2PartnerSettings | None]:
    settings = uow.as2.partner_by_as2(envelope.as2_from)
    if settings is not None and settings.our_as2_id != envelope.as2_to:
        settings = None  # a partner known to another identity of ours is not this one's partner
    return uow.as2.identity(envelope.as2_to), settings


def _seen(uow_factory: UnitOfWorkFactory, envelope: as2.Envelope, message_id: str) -> bool:
    """A message id from this sender whose X12 was processed already (a failed one may be sent again)."""
    kept = read_only(uow_factory, lambda uow: uow.as2.exchange(Direction.INBOUND, envelope.as2_from, message_id))
    return kept is not None and kept.disposition == as2.PROCESSED


def _keep(uow: UnitOfWork, received: as2.Received, raw_id: str, partner_id: str | None, clock: Clock) -> None:
    e, at = received.envelope, clock()
    mdn = received.mdn.mime() if received.mdn else None
    duplicate = received.disposition.endswith("duplicate-document")
    if e.message_id and not duplicate:
        exchange = As2Exchange(
            Direction.INBOUND, e.message_id, e.as2_from, e.as2_to, at, partner_id, None, raw_id,
            received.mic, received.mdn_message_id, received.disposition, mdn,
        )  # fmt: skip
        if not uow.as2.record(exchange):  # a resend of one that failed: this attempt's outcome
            uow.as2.settle(
                Direction.INBOUND, e.as2_from, e.message_id,
                mdn_message_id=received.mdn_message_id, disposition=received.disposition, mdn=mdn, at=at,
            )  # fmt: skip
    if received.processed:
        uow.messages.settle(raw_id, MessageStatus.ACCEPTED)
    elif duplicate:
        uow.messages.settle(raw_id, MessageStatus.DUPLICATE, reason="duplicate-document")
    else:
        _quarantine(uow, raw_id, received.disposition)


def _quarantine(uow: UnitOfWork, raw_id: str, disposition: str) -> None:
    modifier = disposition.partition(": ")[2] or disposition
    error = FieldError("AS2", ErrorCode.REFUSED, f"AS2 disposition {disposition}")
    uow.messages.settle(raw_id, MessageStatus.QUARANTINED, reason=modifier[:64], errors=[error])


def _settle_raw(uow_factory: UnitOfWorkFactory, raw_id: str, disposition: str) -> None:
    def work(uow: UnitOfWork) -> None:
        if disposition.startswith("processed"):
            uow.messages.settle(raw_id, MessageStatus.ACCEPTED)
        else:
            _quarantine(uow, raw_id, disposition)

    in_transaction(uow_factory, work)


def _unsettle(uow: UnitOfWork, received: as2.Received, clock: Clock) -> None:
    e = received.envelope
    uow.as2.settle(
        Direction.INBOUND, e.as2_from, e.message_id, mdn_message_id=None, disposition=UNEXPECTED, mdn=None, at=clock()
    )
