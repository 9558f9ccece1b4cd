"""Telling an order's sales channel that it shipped (a Shopify fulfilment with the tracking number).

Two steps, so nothing is told about a shipment that did not commit and nothing owed is lost:

1. ``owe_confirmation`` runs in the shipment's own transaction (services/fulfilment.py): a shipment
   of an order from a channel in ``CONFIRMED_CHANNELS`` adds an outbox row (topic ``TOPIC``, keyed by
   the shipment id) holding what the channel is to be told.
2. ``send_owed`` (the worker side, workflows/channel_fulfilments.py) sends each owed row through the
   ``ChannelFulfilments`` port and marks it sent in the transaction that notes the outcome on the order.

A retryable failure leaves the row owed for the next pass (the port is idempotent, so a send whose
answer was lost is safe to repeat); a permanent one (a refusal, a drifted answer) is marked sent and
opens an exception on the order, with the raw answer when it drifted, for a person to do by hand.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from overture.domain.exceptions import ExceptionAction, ExceptionType, OrderException
from overture.services.plans import ShipmentRecord
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.channel_fulfilment import (
    ChannelFulfilments,
    ConfirmationResult,
    OwedConfirmations,
    ShipmentConfirmation,
    ShippedUnits,
)
from overture.services.ports.connector_errors import ApiDriftError, PermanentConnectorError, RetryableConnectorError
from overture.services.retry import in_transaction

log = logging.getLogger(__name__)

TOPIC = "shipment.channel_confirmation"
CONFIRMED_CHANNELS = frozenset({"shopify", "channeladvisor", "amazon", "walmart", "ebay"})
STEP = "channel_fulfilment"


@dataclass(frozen=True, slots=True)
class Sent:
    shipment_id: str
    order_id: str
    outcome: str  # a ConfirmationOutcome, or "failed" / "not_configured"


class NoChannelFulfilments:
    """``ChannelFulfilments`` when no channel is connected: every owed confirmation is noted as not sent."""

    def handles(self, channel: str) -> bool:
        return False

    async def confirm_shipment(self, confirmation: ShipmentConfirmation) -> ConfirmationResult:
        raise AssertionError("handles() is False for every channel")


class FulfilmentsByChannel:
    """``ChannelFulfilments`` over several channels' adapters: each confirmation goes to the first one that
    handles its channel (a Shopify store, a ChannelAdvisor account...)."""

    def __init__(self, adapters: Sequence[ChannelFulfilments]) -> None:
        self.adapters = tuple(adapters)

    def handles(self, channel: str) -> bool:
        return any(adapter.handles(channel) for adapter in self.adapters)

    async def confirm_shipment(self, confirmation: ShipmentConfirmation) -> ConfirmationResult:
        for adapter in self.adapters:
            if adapter.handles(confirmation.channel):
                return await adapter.confirm_shipment(confirmation)
        raise AssertionError(f"no adapter handles {confirmation.channel}: handles() said so")

    async def aclose(self) -> None:
        """Close the adapters that hold a connection (they have ``aclose``)."""
        for adapter in self.adapters:
            close = getattr(adapter, "aclose", None)
            if close is not None:
                await close()


def owe_confirmation(uow: UnitOfWork, shipment: ShipmentRecord, at: datetime) -> bool:
    """In the shipment's transaction: owe the order's channel its confirmation, if it takes one."""
    known = uow.fulfilment.channel_and_partner(shipment.order_id)
    if known is None or known[0] not in CONFIRMED_CHANNELS:
        return False
    summary = uow.orders.summary(shipment.order_id)
    assert summary is not None
    confirmation = ShipmentConfirmation(
        channel=summary.channel,
        order_id=shipment.order_id,
        channel_order_id=summary.external_id,
        shipment_id=shipment.shipment_id,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        lines=_units(uow, shipment),
    )
    uow.outbox.add(TOPIC, shipment.shipment_id, confirmation.payload(), at)
    return True


def _units(uow: UnitOfWork, shipment: ShipmentRecord) -> tuple[ShippedUnits, ...]:
    """The units the shipment names, else (a WMS that lists no lines) all its location had reserved."""
    if shipment.lines:
        return tuple(ShippedUnits(int(x.get("line_no", 0)), str(x["sku"]), int(x["quantity"])) for x in shipment.lines)
    document = uow.fulfilment.document(shipment.order_id)
    if document is None:
        return ()
    try:
        release = document.release_at(shipment.location_id)
    except LookupError:
        return ()
    return tuple(ShippedUnits(x.line_no, x.sku, x.quantity) for x in release.lines)


async def send_owed(
    uow_factory: UnitOfWorkFactory,
    owed: OwedConfirmations,
    fulfilments: ChannelFulfilments,
    *,
    clock: Clock,
    limit: int = 50,
) -> list[Sent]:
    """Send every owed confirmation, oldest first; stops at the first retryable failure (the channel is
    unwell or throttling: the rest wait for the next pass). Safe to run twice or concurrently with
    itself: the port makes one fulfilment per shipment however often it is asked."""
    done: list[Sent] = []
    for row_id, payload in owed.pending(limit):
        confirmation = ShipmentConfirmation.from_payload(payload)
        if not fulfilments.handles(confirmation.channel):
            note = f"{confirmation.channel} not told of shipment {confirmation.shipment_id}: no connection configured"
            _settle(uow_factory, row_id, confirmation, note, clock=clock)
            done.append(Sent(confirmation.shipment_id, confirmation.order_id, "not_configured"))
            continue
        try:
            result = await fulfilments.confirm_shipment(confirmation)
        except RetryableConnectorError as error:
            log.warning(
                "shipment %s not confirmed to %s yet: %s", confirmation.shipment_id, confirmation.channel, error
            )
            break
        except PermanentConnectorError as error:
            _settle(uow_factory, row_id, confirmation, _failure_note(confirmation, error), clock=clock, error=error)
            done.append(Sent(confirmation.shipment_id, confirmation.order_id, "failed"))
            continue
        _settle(uow_factory, row_id, confirmation, _note(confirmation, result), clock=clock, result=result)
        done.append(Sent(confirmation.shipment_id, confirmation.order_id, result.outcome.value))
    return done


def _note(confirmation: ShipmentConfirmation, result: ConfirmationResult) -> str:
    what = {
        "created": "fulfilment created",
        "already_confirmed": "fulfilment was already there",
        "nothing_to_confirm": "nothing left open to fulfil",
    }[result.outcome.value]
    ref = f" ({result.reference})" if result.reference else ""
    return (
        f"{confirmation.channel} told of shipment {confirmation.shipment_id}, tracking "
        f"{confirmation.tracking_number}: {what}{ref}"
    )


def _failure_note(confirmation: ShipmentConfirmation, error: PermanentConnectorError) -> str:
    return f"{confirmation.channel} could not be told of shipment {confirmation.shipment_id}: {error}"


def _settle(
    uow_factory: UnitOfWorkFactory,
    row_id: int,
    confirmation: ShipmentConfirmation,
    note: str,
    *,
    clock: Clock,
    result: ConfirmationResult | None = None,
    error: PermanentConnectorError | None = None,
) -> None:
    def work(uow: UnitOfWork) -> None:
        at = clock()
        uow.outbox.mark_dispatched([row_id], at)
        uow.fulfilment.add_note(confirmation.order_id, note, at)
        if result is not None and result.reference:
            uow.fulfilment.add_reference(
                confirmation.order_id, confirmation.channel, "fulfillment_id", result.reference, at
            )
        if error is not None:
            uow.fulfilment.add_exception(_exception(confirmation, error, at))

    in_transaction(uow_factory, work)


def _exception(confirmation: ShipmentConfirmation, error: PermanentConnectorError, at: datetime) -> OrderException:
    """Not a hold: the goods are gone; someone fulfils the order in the channel's admin and overrides."""
    digest = hashlib.sha256(f"{TOPIC}:{confirmation.shipment_id}".encode()).hexdigest()[:29]
    details: dict[str, Any] = {"shipment_id": confirmation.shipment_id, "operation": error.operation}
    kind = ExceptionType.CONNECTOR_FAILURE
    if isinstance(error, ApiDriftError):
        kind = ExceptionType.API_DRIFT
        details |= {"problems": list(error.problems), "raw": error.raw}
    return OrderException(
        id=f"cf-{digest}",
        order_id=confirmation.order_id,
        type=kind,
        step=STEP,
        reason=str(error),
        allowed_actions=(ExceptionAction.OVERRIDE,),
        details=details,
        created_at=at,
    )
