"""Ports: what the use cases need from the store and the outside, as protocols the adapters implement.

One module per area; everything is importable from here too."""

from __future__ import annotations

from overture.services.ports.access import KeyRepository
from overture.services.ports.audit import ConsistencyReader
from overture.services.ports.exchanges import ExchangeRepository, PartnerAck, PartnerReceipt, SentDocument
from overture.services.ports.governance import GovernanceRepository
from overture.services.ports.inventory import (
    Availability,
    CatalogRepository,
    InventoryRepository,
    SkuTraits,
    SourcingRepository,
    SupplyRepository,
)
from overture.services.ports.messages import (
    IdempotencyRepository,
    InboundMessage,
    MessageRepository,
    MessageStatus,
    OutboxRepository,
)
from overture.services.ports.orders import (
    FulfilmentRepository,
    OrderRecord,
    OrderRepository,
    OrderSummary,
    PreviousCapture,
)
from overture.services.ports.partners import DocumentRepository, InterchangeControlRepository, PartnerRepository
from overture.services.ports.transports import (
    As2Exchange,
    As2Identity,
    As2PartnerSettings,
    As2Repository,
    Direction,
    MdnMode,
    SftpFileRepository,
)
from overture.services.ports.unit_of_work import Clock, Geocoder, UnitOfWork, UnitOfWorkFactory

__all__ = [
    "As2Exchange",
    "As2Identity",
    "As2PartnerSettings",
    "As2Repository",
    "Availability",
    "CatalogRepository",
    "Clock",
    "ConsistencyReader",
    "Direction",
    "DocumentRepository",
    "ExchangeRepository",
    "FulfilmentRepository",
    "Geocoder",
    "GovernanceRepository",
    "IdempotencyRepository",
    "InboundMessage",
    "InterchangeControlRepository",
    "InventoryRepository",
    "KeyRepository",
    "MdnMode",
    "MessageRepository",
    "MessageStatus",
    "OrderRecord",
    "OrderRepository",
    "OrderSummary",
    "OutboxRepository",
    "PartnerAck",
    "PartnerReceipt",
    "PartnerRepository",
    "PreviousCapture",
    "SentDocument",
    "SftpFileRepository",
    "SkuTraits",
    "SourcingRepository",
    "SupplyRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
]
