"""Trading partners and the documents exchanged with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from overture.domain.address_book import PartnerAddress, PartyId
from overture.domain.partners import PartnerProfile


class PartnerRepository(Protocol):
    def get(self, partner_id: str) -> PartnerProfile | None: ...

    def by_x12(self, qualifier: str, x12_id: str) -> PartnerProfile | None: ...

    def put(self, profile: PartnerProfile, at: datetime) -> bool:
        """Create or replace; True if it was created."""
        ...

    def all(self) -> list[PartnerProfile]: ...

    def next_control_number(self, partner_id: str) -> int:
        """The next interchange control number for documents we send this partner (never reused)."""
        ...

    # The partner's address book (domain/address_book.py).
    def address(self, partner_id: str, party: PartyId) -> PartnerAddress | None: ...

    def addresses_of(self, party: PartyId) -> list[PartnerAddress]:
        """Every partner's entry for a party (a GLN names one place whoever sends it)."""
        ...

    def addresses(self, partner_id: str) -> list[PartnerAddress]: ...

    def put_address(self, address: PartnerAddress, at: datetime) -> bool:
        """Create or replace one entry; True when it was created."""
        ...

    def remove_address(self, partner_id: str, party: PartyId) -> bool: ...


class InterchangeControlRepository(Protocol):
    """X12 control numbers per partner: interchanges received, group control numbers sent."""

    def record_received(self, partner_id: str, control_number: str, *, message_id: str, at: datetime) -> bool:
        """Note an ISA13 received from the partner; False if it was received before (a duplicate)."""
        ...

    def next_group_control_number(self, partner_id: str) -> int:
        """The next GS06 for a group sent to this partner (never reused, whatever the document)."""
        ...


class DocumentRepository(Protocol):
    def add(
        self,
        *,
        partner_id: str,
        order_id: str | None,
        kind: str,
        reference: str,
        control_number: int,
        body: str,
        at: datetime,
    ) -> bool: ...

    def exists(self, partner_id: str, kind: str, reference: str) -> bool: ...

    def order_of(self, partner_id: str, kind: str, reference: str) -> str | None:
        """The order a kept document of this kind and reference was about; None if none was kept."""
        ...

    def listing(
        self, partner_id: str, *, kind: str | None = None, order_id: str | None = None
    ) -> list[dict[str, Any]]: ...

    def body(self, partner_id: str, document_id: str) -> str | None: ...

    def references(self, order_id: str) -> dict[tuple[str, str], str]: ...

    def shipments(self, order_id: str) -> list[dict[str, Any]]: ...

    def next_in_sequence(self, name: str) -> int: ...
