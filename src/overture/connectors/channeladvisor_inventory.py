"""Quantities per distribution center and prices, told to ChannelAdvisor by our SKU and location ids.

ChannelAdvisor keeps a product's quantity per distribution center (DC) and updates it by product ID, not
SKU: the ID is looked up once per SKU (``GET /v1/Products?$filter=Sku eq '...'&$select=ID``) and kept.
Our locations are mapped to DC IDs by settings (``channeladvisor_distribution_centers``); a location
with no DC is not sent. ``InStock`` is the default update type: ChannelAdvisor takes off what is still in
checkout or awaiting payment; ``Absolute`` sets the figure as given (see ChannelAdvisor's Quantity Update
Types). Prices are the product's ``BuyItNowPrice``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from overture.connectors.channeladvisor import ChannelAdvisorConnector

UPDATE_TYPES = frozenset({"Absolute", "Relative", "Available", "InStock", "UnShipped"})


class ChannelAdvisorStock:
    """Sets quantities by location and prices by SKU through one account's connector."""

    def __init__(
        self,
        connector: ChannelAdvisorConnector,
        *,
        distribution_centers: Mapping[str, int],
        update_type: str = "InStock",
    ) -> None:
        if update_type not in UPDATE_TYPES:
            raise ValueError(f"update_type {update_type!r} is not one of {sorted(UPDATE_TYPES)}")
        self.connector = connector
        self._dcs = dict(distribution_centers)  # our location id -> ChannelAdvisor DistributionCenterID
        self._update_type = update_type

    def unmapped(self, locations: Mapping[str, int]) -> list[str]:
        """The locations that have no distribution center in ChannelAdvisor (their figures are not sent)."""
        return sorted(location for location in locations if location not in self._dcs)

    async def set_quantities(self, sku: str, by_location: Mapping[str, int]) -> dict[int, int]:
        """Send ``sku``'s quantity at each mapped location in one call; returns what was sent, by DC ID."""
        updates: dict[int, int] = {}
        for location, quantity in by_location.items():
            if location in self._dcs:
                dc = self._dcs[location]
                updates[dc] = updates.get(dc, 0) + max(quantity, 0)
        if updates:
            product = await self.connector.product_id(sku)
            await self.connector.update_quantity(product, updates, update_type=self._update_type)
        return updates

    async def set_price(self, sku: str, price: Decimal) -> None:
        if price < 0:
            raise ValueError(f"{sku}: a price must not be negative, got {price}")
        await self.connector.update_price(await self.connector.product_id(sku), price)
