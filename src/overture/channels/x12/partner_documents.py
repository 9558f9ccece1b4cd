"""``PartnerDocuments`` (services/ports/partner_documents.py) in X12: 856 and 810 after the order's
steps, 850 to drop-ship suppliers, 846 inventory advice, 812 for a settled return (adjustment812.py),
each enveloped for the partner as we are known to it (``sender``). An EDIFACT partner's order gets
its DESADV and INVOIC instead, from channels/edifact/partner_documents.py (our SSCCs from the same
GS1 prefix)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from overture.channels.edifact import partner_documents as edifact
from overture.channels.x12 import adjustment812, documents, supplier
from overture.channels.x12.outbound import sscc18
from overture.channels.x12.writer import DEFAULT_SENDER, Sender
from overture.domain.partners import PartnerProfile
from overture.domain.statuses import OrderStatus
from overture.services.ports import UnitOfWork
from overture.services.ports.partner_documents import CreditAdjustment, SupplierOrder


@dataclass(frozen=True, slots=True)
class X12PartnerDocuments:
    sender: Sender = DEFAULT_SENDER

    def after_status(self, uow: UnitOfWork, order_id: str, status: OrderStatus, *, at: datetime) -> list[str]:
        made = documents.after_status(uow, order_id, status, sender=self.sender, at=at)
        return made + edifact.after_status(uow, order_id, status, sscc=self._sscc, at=at)

    def _sscc(self, serial: int) -> str:
        return sscc18(self.sender.gs1_prefix, serial)

    def send_purchase_order(self, uow: UnitOfWork, order: SupplierOrder, *, at: datetime) -> str:
        return supplier.send_purchase_order(uow, order, sender=self.sender, at=at)

    def advise_inventory(
        self, uow: UnitOfWork, partner: PartnerProfile, available: Sequence[tuple[str, int]], *, at: datetime
    ) -> str:
        return documents.advise_inventory(uow, partner, available, sender=self.sender, at=at)

    def credit_adjustment(self, uow: UnitOfWork, adjustment: CreditAdjustment, *, at: datetime) -> str | None:
        return adjustment812.credit_adjustment(uow, adjustment, sender=self.sender, at=at)
