"""Stock levels from the ERP of record into our inventory ledger: where the ERP's count of a SKU at one
of our locations differs from our on hand, an adjustment of the difference, with the ERP named as the
reason, so the ledger keeps every movement (nothing is overwritten) and the availability publisher
republishes what changed.

What is not adjusted, and said so in the result: a SKU or location we do not know (the catalogue is
ours to extend, not the ERP's), and a count below what our open orders hold reserved there (lowering
on hand under reserved would oversell; a person decides, and the difference is reported). An ERP that
counts what we count changes nothing, so the sync can run as often as wanted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from overture.domain.inventory import Movement, MovementKind
from overture.services import changes
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.erp import WarehouseLevel
from overture.services.retry import in_transaction

ACTOR = "erp-sync"


@dataclass
class StockSync:
    adjusted: list[tuple[str, str, int]] = field(default_factory=list)  # (sku, location, signed change)
    unknown: list[tuple[str, str]] = field(default_factory=list)
    below_reserved: list[tuple[str, str, int, int]] = field(default_factory=list)  # sku, location, erp, reserved
    unchanged: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.adjusted)} position(s) adjusted to the ERP's count, {self.unchanged} already agreed, "
            f"{len(self.unknown)} unknown, {len(self.below_reserved)} below what is reserved (not adjusted)"
        )


def apply_levels(
    uow_factory: UnitOfWorkFactory, levels: Sequence[WarehouseLevel], *, erp: str, clock: Clock
) -> StockSync:
    """Adjust our on hand to ``levels`` (one transaction), as far as it can be without overselling."""

    def work(uow: UnitOfWork) -> StockSync:
        result = StockSync()
        known_skus = uow.catalog.known_skus({x.sku for x in levels})
        known_locations = uow.catalog.known_locations({x.location_id for x in levels})
        positions = uow.inventory.positions({(x.sku, x.location_id) for x in levels})
        at = clock()
        for level in levels:
            if level.sku not in known_skus or level.location_id not in known_locations:
                result.unknown.append((level.sku, level.location_id))
                continue
            position = positions.get((level.sku, level.location_id))
            on_hand, reserved = (position.on_hand, position.reserved) if position else (0, 0)
            if level.on_hand == on_hand:
                result.unchanged += 1
            elif level.on_hand < reserved:
                result.below_reserved.append((level.sku, level.location_id, level.on_hand, reserved))
            else:
                delta = level.on_hand - on_hand
                reason = f"{erp} counts {level.on_hand} (we had {on_hand})"
                uow.inventory.adjust(Movement(MovementKind.ADJUSTMENT, level.sku, level.location_id, delta, reason), at)
                result.adjusted.append((level.sku, level.location_id, delta))
        if result.adjusted:
            detail = {"entries": [{"sku": s, "location_id": loc, "quantity": d} for s, loc, d in result.adjusted]}
            changes.record(uow, at, ACTOR, "inventory.adjusted", "inventory", **detail)
        return result

    return in_transaction(uow_factory, work)
