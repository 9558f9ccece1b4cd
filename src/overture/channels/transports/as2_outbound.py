"""What we send partners over AS2 (the 997 and 855s answering their X12), and the MDNs they return.

Each document is one AS2 message, signed and encrypted as the partner's settings say, recorded before
it is posted (so a crash mid-post leaves a trace, never a silent gap). The MDN, in the HTTP answer or
posted to us later, is verified (signature, MIC) and put on that record with its disposition. A post
that fails (network, HTTP error) is recorded as ``failed/transport: ...``; the document itself stays
in ``outbound_documents`` as every X12 document we write does, to be sent again by whoever decides to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from overture.channels.transports import as2
from overture.services.ports import (
    As2Exchange,
    As2Identity,
    As2PartnerSettings,
    Clock,
    Direction,
    MdnMode,
    UnitOfWork,
    UnitOfWorkFactory,
)
from overture.services.retry import in_transaction, read_only

NOT_FOUND = "failed/Failure: original-message-not-found"


@dataclass(frozen=True, slots=True)
class Delivery:
    kind: str
    message_id: str
    disposition: str | None  # None while an asynchronous MDN is awaited


def send_documents(
    uow_factory: UnitOfWorkFactory,
    partner_id: str,
    documents: Sequence[tuple[str, str]],
    *,
    clock: Clock,
    client: httpx.Client,
) -> list[Delivery]:
    """Send each (kind, X12 text) to the partner; nothing when it has no AS2 settings (or we no identity)."""
    parties = read_only(uow_factory, lambda uow: _parties(uow, partner_id))
    if parties is None:
        return []
    identity, settings = parties
    return [_send(uow_factory, identity, settings, kind, text, clock=clock, client=client) for kind, text in documents]


def accept_mdn(uow_factory: UnitOfWorkFactory, wire: as2.Wire, *, clock: Clock) -> str:
    """An asynchronous MDN for a message we sent: verified, put on its record; its disposition returned."""
    original, ours = as2.original_message_id(wire), as2.envelope(wire).as2_to
    if original is None:
        return "failed/Failure: mdn-not-found"

    def find(uow: UnitOfWork) -> tuple[As2Exchange, As2Identity, As2PartnerSettings] | None:
        sent = uow.as2.exchange(Direction.OUTBOUND, ours, original)
        parties = _parties(uow, sent.partner_id) if sent and sent.partner_id else None
        return (sent, *parties) if sent and parties else None

    found = read_only(uow_factory, find)
    if found is None:
        return NOT_FOUND
    sent, identity, settings = found
    reading = as2.read_mdn(wire, identity=identity, settings=settings, message_id=sent.message_id, mic=sent.mic)
    _settle(uow_factory, identity, sent.message_id, reading.disposition, reading.mdn_message_id, wire, clock)
    return reading.disposition


def post_mdn(url: str, mdn: as2.Wire, *, client: httpx.Client) -> int:
    """Post an asynchronous MDN to where the partner asked for it; the HTTP status it answered."""
    return client.post(url, content=mdn.body, headers=mdn.headers).status_code


def _send(
    uow_factory: UnitOfWorkFactory,
    identity: As2Identity,
    settings: As2PartnerSettings,
    kind: str,
    text: str,
    *,
    clock: Clock,
    client: httpx.Client,
) -> Delivery:
    sent = as2.build_message(
        text.encode(), filename=f"{kind}.x12", identity=identity, settings=settings, subject=f"X12 {kind}"
    )
    exchange = As2Exchange(
        Direction.OUTBOUND, sent.message_id, identity.as2_id, settings.as2_id, clock(), settings.partner_id, kind,
        mic=sent.mic,
    )  # fmt: skip
    in_transaction(uow_factory, lambda uow: uow.as2.record(exchange))
    try:
        response = client.post(settings.url, content=sent.wire.body, headers=sent.wire.headers)
    except httpx.HTTPError as error:
        disposition = f"failed/transport: {type(error).__name__}"
        _settle(uow_factory, identity, sent.message_id, disposition, None, None, clock)
        return Delivery(kind, sent.message_id, disposition)
    if response.status_code >= 300:
        disposition = f"failed/transport: HTTP {response.status_code}"
    elif settings.mdn_mode is MdnMode.ASYNC:
        return Delivery(kind, sent.message_id, None)
    elif settings.mdn_mode is MdnMode.NONE:
        disposition = "sent"
    else:
        mdn = as2.Wire(dict(response.headers), response.content)
        reading = as2.read_mdn(mdn, identity=identity, settings=settings, message_id=sent.message_id, mic=sent.mic)
        _settle(uow_factory, identity, sent.message_id, reading.disposition, reading.mdn_message_id, mdn, clock)
        return Delivery(kind, sent.message_id, reading.disposition)
    _settle(uow_factory, identity, sent.message_id, disposition, None, None, clock)
    return Delivery(kind, sent.message_id, disposition)


def _settle(
    uow_factory: UnitOfWorkFactory,
    identity: As2Identity,
    message_id: str,
    disposition: str,
    mdn_message_id: str | None,
    mdn: as2.Wire | None,
    clock: Clock,
) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.as2.settle(
            Direction.OUTBOUND, identity.as2_id, message_id,
            mdn_message_id=mdn_message_id, disposition=disposition, mdn=mdn.mime() if mdn else None, at=clock(),
        )  # fmt: skip

    in_transaction(uow_factory, work)


def _parties(uow: UnitOfWork, partner_id: str) -> tuple[As2Identity, As2PartnerSettings] | None:
    settings = uow.as2.partner(partner_id)
    identity = uow.as2.identity(settings.our_as2_id) if settings else None
    return (identity, settings) if identity and settings else None
