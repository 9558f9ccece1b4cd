"""Activities of the return workflow: store reads and writes (local) and outside calls (the payment
provider, the carrier, the ERP, the replacement order's workflow), each idempotent by a key named
after the return (services/return_settlement.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from temporalio import activity

from overture.domain.exceptions import ExceptionType
from overture.domain.returns import ExchangePolicy
from overture.services import fulfilment, return_settlement, returns, tax
from overture.services.plans import OrderDocument
from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory
from overture.services.ports.carrier import ReturnLabels
from overture.services.ports.erp import ErpGateway
from overture.services.ports.order_workflow import OrderWorkflowGateway, Resolution
from overture.services.ports.partner_documents import PartnerDocuments
from overture.services.ports.payments import PaymentGateway
from overture.services.ports.tax import TaxEngine
from overture.services.retry import in_transaction, read_only
from overture.workflows.order.activities import _outside
from overture.workflows.returns.shared import ReturnNote, ReturnState

log = logging.getLogger(__name__)
# A parcel of returned goods, when the catalogue knows no weights: one pound.
DEFAULT_WEIGHT_OZ = Decimal(16)


@dataclass
class ReturnActivities:
    uow_factory: UnitOfWorkFactory
    geocoder: Geocoder
    clock: Clock
    payments: PaymentGateway | None  # None: orders are paid through their channel
    erp: ErpGateway
    labels: ReturnLabels | None
    orders: OrderWorkflowGateway
    documents: PartnerDocuments | None = None  # what EDI partners are sent (an 812 for a settled return)
    tax: TaxEngine | None = None  # the return's tax given back, reported as a ReturnInvoice

    @activity.defn
    def load_return(self, return_id: str) -> ReturnState:
        ret = read_only(self.uow_factory, lambda uow: uow.returns.get(return_id))
        assert ret is not None, f"no return {return_id}"
        return ReturnState(
            ret.id,
            ret.order_id,
            ret.status.value,
            ret.settlement.value,
            ret.exchange_policy.value,
            ret.exchange_order_id or "",
            ret.label is not None,
        )

    @activity.defn
    def return_note(self, note: ReturnNote) -> None:
        ret = read_only(self.uow_factory, lambda uow: uow.returns.get(note.return_id))
        assert ret is not None
        in_transaction(self.uow_factory, lambda uow: uow.fulfilment.add_note(ret.order_id, note.text, self.clock()))

    @activity.defn
    def create_exchange(self, return_id: str) -> str:
        return return_settlement.create_exchange_order(
            self.uow_factory, return_id, geocoder=self.geocoder, clock=self.clock
        )

    @activity.defn
    async def buy_label(self, return_id: str) -> str:
        """Buy the customer's return label from the carrier (once: keyed by the return)."""
        if self.labels is None:
            return ""
        _, customer, ship_from, ship_to = read_only(
            self.uow_factory, lambda uow: returns.label_addresses(uow, return_id)
        )
        label = await _outside(
            self.labels.create_return_label(
                return_id=return_id,
                customer=customer,
                ship_from=ship_from,
                ship_to=ship_to,
                parcel_weight_oz=DEFAULT_WEIGHT_OZ,
                idempotency_key=f"return-label:{return_id}",
            )
        )
        returns.save_label(self.uow_factory, return_id, label, clock=self.clock)
        return label.tracking_code

    @activity.defn
    async def settle(self, return_id: str) -> str:
        ret = await _outside(
            return_settlement.settle_return(self.uow_factory, self.payments, return_id, clock=self.clock)
        )
        return ret.status.value

    @activity.defn
    async def send_return_receipt(self, return_id: str) -> str:
        return await _outside(
            return_settlement.send_return_receipt(self.uow_factory, self.erp, return_id, clock=self.clock)
        )

    @activity.defn
    def credit_partner(self, return_id: str) -> str:
        if self.documents is None:
            return ""
        return return_settlement.credit_partner(self.uow_factory, self.documents, return_id, clock=self.clock)

    def _order_of_return(self, return_id: str) -> OrderDocument:
        ret = read_only(self.uow_factory, lambda uow: uow.returns.get(return_id))
        assert ret is not None, f"no return {return_id}"
        return fulfilment.load_document(self.uow_factory, ret.order_id, releases=False)

    @activity.defn
    async def send_credit_memo(self, return_id: str) -> str:
        memo = await _outside(
            return_settlement.send_credit_memo(self.uow_factory, self.erp, return_id, clock=self.clock)
        )
        if self.tax is not None:  # the tax given back, reported beside the credit memo (once per return id)
            order = await asyncio.to_thread(self._order_of_return, return_id)
            await _outside(tax.commit_return(self.uow_factory, self.tax, order, return_id, clock=self.clock))
        return memo

    @activity.defn
    async def release_exchange(self, return_id: str) -> str:
        """Let an on-receipt replacement go: resolve its awaiting_return hold (a retry places it again)."""
        ret = read_only(self.uow_factory, lambda uow: uow.returns.get(return_id))
        assert ret is not None
        if ret.exchange_order_id is None or ret.exchange_policy is not ExchangePolicy.ON_RECEIPT:
            return ""
        held = read_only(self.uow_factory, lambda uow: uow.fulfilment.plan(ret.exchange_order_id or ""))
        waiting = [e for e in (held.open_exceptions if held else []) if e.type == ExceptionType.AWAITING_RETURN.value]
        for exception in waiting:
            note = f"return {return_id} received"
            await self.orders.resolve(ret.exchange_order_id, Resolution(exception.id, "retry", "returns", note))
        return ret.exchange_order_id


def return_activities(a: ReturnActivities) -> list[Callable[..., Any]]:
    return [
        a.load_return,
        a.return_note,
        a.create_exchange,
        a.buy_label,
        a.settle,
        a.send_return_receipt,
        a.send_credit_memo,
        a.credit_partner,
        a.release_exchange,
    ]
