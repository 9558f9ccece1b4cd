"""Documents we originate for a partner (a 940 to a 3PL), delivered by the transport it has set up.

``PartnerDelivery`` (services/ports/warehouse.py): over AS2 when the partner has AS2 settings and we an
identity (``as2_outbound.send_documents``: recorded, signed, its MDN verified), else written to the
partner's folder under the outbox directory (``<outbox>/<partner_id>/<name>``, as ``.part`` first and
renamed when whole, so a transfer job never picks up half a file), else only kept in
``outbound_documents`` for the partner to fetch from the API. Every document is kept there whatever
the transport, so one that failed can be sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from overture.channels.transports.as2_outbound import send_documents
from overture.services.ports import Clock, UnitOfWorkFactory
from overture.services.ports.connector_errors import RetryableConnectorError
from overture.services.ports.warehouse import KeptDocument
from overture.services.retry import read_only

TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class PartnerOutbox:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    folder: Path | None = None  # the outbox directory; None: no file transport
    transport: httpx.BaseTransport | None = None  # replaces the network (tests)

    def deliver(self, partner_id: str, kind: str, document: KeptDocument) -> str:
        """Send it; what happened ("as2 <id> <disposition>", "file <path>", "kept")."""
        if read_only(self.uow_factory, lambda uow: uow.as2.partner(partner_id)) is not None:
            sent = self._over_as2(partner_id, kind, document)
            if sent is not None:
                return sent
        if self.folder is not None:
            return f"file {self._to_folder(partner_id, document)}"
        return "kept"

    def _over_as2(self, partner_id: str, kind: str, document: KeptDocument) -> str | None:
        with httpx.Client(transport=self.transport, timeout=TIMEOUT_S) as client:
            deliveries = send_documents(
                self.uow_factory, partner_id, [(kind, document.text)], clock=self.clock, client=client
            )
        if not deliveries:  # we have no AS2 identity to send from
            return None
        (delivery,) = deliveries
        if delivery.disposition and delivery.disposition.startswith("failed/transport"):
            # The partner never got it: the step's retry sends the same interchange again.
            raise RetryableConnectorError(delivery.disposition, connector=f"as2:{partner_id}", operation=kind)
        return f"as2 {delivery.message_id} {delivery.disposition or 'awaiting its MDN'}"

    def _to_folder(self, partner_id: str, document: KeptDocument) -> Path:
        assert self.folder is not None
        folder = self.folder / partner_id
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / document.name
        partial = folder / f"{document.name}.part"
        partial.write_text(document.text)
        partial.replace(target)  # a retry writes the same document over the same name
        return target
