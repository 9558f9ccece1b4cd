"""Quantities per distribution center and prices, told to ChannelAdvisor by our SKU and location ids.

ChannelAdvisor keeps a product's quantity per distribution center (DC) and updates it by product ID, not
SKU: the ID is looked up once per SKU (``GET /v1/Products?$filter=Sku eq '...'&$select=ID``) and kept.
Our locations are mapped to DC IDs by settings (``channeladvisor_distribution_centers``); a location
with no DC is not sent. ``InStock`` is the default update type: ChannelAdvisor takes off what is still in
checkout or awaiting payment; ``Absolute`` sets the figure as given (see ChannelAdvisor's Quantity Update
Types). Prices are the product's ``BuyItNowPrice``.

``ChannelAdvisorAvailability`` makes the account an availability channel of the publisher
(services/availability.py ``LocationTarget``): each SKU's figure per mapped location, one
``UpdateQuantity`` per SKU with the DCs whose figure changed. A SKU ChannelAdvisor has no product for is
taken as delivered (there is nothing to tell; retrying cannot help) and not looked up again by this
process; a throttled or failing call leaves that SKU and the ones after it flagged for the next pass.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal

from overture.connectors.channeladvisor import ChannelAdvisorConnector
from overture.services.ports.connector_errors import ConnectorError, RetryableConnectorError

log = logging.getLogger(__name__)

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

    @property
    def locations(self) -> list[str]:
        """Our locations that have a distribution center in ChannelAdvisor."""
        return sorted(self._dcs)

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


class ChannelAdvisorAvailability:
    """The account as a per-location availability channel (``LocationTarget``), under ``channel``."""

    def __init__(self, stock: ChannelAdvisorStock, *, channel: str = "channeladvisor") -> None:
        self.stock = stock
        self._channel = channel
        self._unknown: set[str] = set()  # SKUs with no product in ChannelAdvisor

    @property
    def channel(self) -> str:
        return self._channel

    @property
    def locations(self) -> Sequence[str]:
        return self.stock.locations

    def sells(self, sku: str) -> bool:
        return sku not in self._unknown

    async def push(self, figures: Mapping[str, int]) -> set[str]:
        """Not used: ChannelAdvisor keeps quantities per distribution center (``push_locations``)."""
        log.warning("ChannelAdvisor takes figures per distribution center; %d network figures not sent", len(figures))
        return set()

    async def push_locations(self, figures: Mapping[str, Mapping[str, int]]) -> set[str]:
        took: set[str] = set()
        for sku, by_location in sorted(figures.items()):
            try:
                await self.stock.set_quantities(sku, by_location)
            except RetryableConnectorError as error:
                log.warning("ChannelAdvisor quantities not sent from %s on: %s", sku, error)
                break  # throttled or unwell: the rest waits for the next pass
            except ConnectorError as error:
                if error.operation != "getProducts" or "no product" not in error.message:
                    log.warning("ChannelAdvisor refused the quantities of %s: %s", sku, error)
                    continue
                log.warning("%s has no product in ChannelAdvisor: its quantities are not sent", sku)
                self._unknown.add(sku)
            took.add(sku)
        return took

    async def aclose(self) -> None:
        await self.stock.connector.aclose()
