"""Shopify fulfilments with tracking, through the Admin GraphQL API: the ``ChannelFulfilments`` port
for orders captured from a Shopify store.

A shipment of ours becomes one Shopify fulfilment of the units it carried::

    query OrderForFulfilment($id: ID!)          the order's fulfilments (with their tracking numbers)
                                                and its fulfillmentOrders with each line item's
                                                remainingQuantity
    mutation FulfillmentCreate($fulfillment: FulfillmentInput!)
         fulfillmentCreate(fulfillment: {lineItemsByFulfillmentOrder: [{fulfillmentOrderId,
             fulfillmentOrderLineItems: [{id, quantity}]}], trackingInfo: {company, number, url},
             notifyCustomer}) -> {fulfillment {id status trackingInfo {...}}, userErrors {field message}}

Idempotent by tracking number: Shopify keeps no key of ours on a fulfilment, so before creating one
the order's fulfilments are read, and one that already carries this shipment's tracking number (an
earlier send whose answer was lost) is the confirmation. Units are matched to fulfilment order line
items by SKU (ours falls back to ``shopify:variant:<id>`` / ``shopify:line_item:<id>``, which are
matched to the variant and the line item), and never beyond what Shopify still has open.

``userErrors`` are a refusal (``PermanentConnectorError`` naming each field and message).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from overture.connectors.shopify_graphql import ShopifyContract, ShopifyGraphql
from overture.services.ports.channel_fulfilment import (
    ConfirmationOutcome,
    ConfirmationResult,
    ShipmentConfirmation,
    ShippedUnits,
)
from overture.services.ports.connector_errors import PermanentConnectorError

CHANNEL = "shopify"
READ_ORDER = "order_fulfilments"
CREATE_FULFILMENT = "fulfillment_create"
OPEN_STATUSES = frozenset({"OPEN", "IN_PROGRESS", "SCHEDULED"})
# The carriers Shopify knows by name get their tracking page from Shopify itself.
COMPANIES = {"ups": "UPS", "fedex": "FedEx", "usps": "USPS", "dhl": "DHL Express", "canada_post": "Canada Post"}

ORDER_QUERY = """
query OrderForFulfilment($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 50) { id status trackingInfo(first: 10) { company number url } }
    fulfillmentOrders(first: 20) {
      nodes {
        id
        status
        lineItems(first: 100) {
          nodes { id sku remainingQuantity totalQuantity lineItem { id sku variant { id } } }
        }
      }
    }
  }
}
"""

CREATE_MUTATION = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""


# ---- the answers we read ---------------------------------------------------------------------------


class TrackingInfo(ShopifyContract):
    company: str | None = None
    number: str | None = None
    url: str | None = None


class Fulfillment(ShopifyContract):
    id: str
    status: str
    tracking_info: list[TrackingInfo]


class Node(ShopifyContract):
    id: str


class OrderLineItem(ShopifyContract):
    id: str
    sku: str | None = None
    variant: Node | None = None


class FulfillmentOrderLineItem(ShopifyContract):
    id: str
    sku: str | None = None
    remaining_quantity: int
    total_quantity: int
    line_item: OrderLineItem


class LineItems(ShopifyContract):
    nodes: list[FulfillmentOrderLineItem]


class FulfillmentOrder(ShopifyContract):
    id: str
    status: str
    line_items: LineItems


class FulfillmentOrders(ShopifyContract):
    nodes: list[FulfillmentOrder]


class ShopifyOrder(ShopifyContract):
    id: str
    fulfillments: list[Fulfillment]
    fulfillment_orders: FulfillmentOrders


class OrderData(ShopifyContract):
    order: ShopifyOrder | None


class UserError(ShopifyContract):
    field: list[str] | None = None
    message: str


class CreatedFulfillment(ShopifyContract):
    """What we rely on in fulfillmentCreate's answer: the new fulfilment's id (its tracking we sent)."""

    id: str
    status: str


class FulfillmentCreatePayload(ShopifyContract):
    fulfillment: CreatedFulfillment | None
    user_errors: list[UserError]


class CreateData(ShopifyContract):
    fulfillment_create: FulfillmentCreatePayload


# ---- the adapter -----------------------------------------------------------------------------------


def order_gid(channel_order_id: str) -> str:
    return channel_order_id if channel_order_id.startswith("gid://") else f"gid://shopify/Order/{channel_order_id}"


def numeric_id(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def names_of(item: FulfillmentOrderLineItem) -> set[str]:
    """Every SKU of ours this line item may stand for (channels/shopify.py ``sku_of``)."""
    names = {s for s in (item.sku, item.line_item.sku) if s}
    if item.line_item.variant is not None:
        names.add(f"shopify:variant:{numeric_id(item.line_item.variant.id)}")
    names.add(f"shopify:line_item:{numeric_id(item.line_item.id)}")
    return names


def allocate(order: ShopifyOrder, lines: tuple[ShippedUnits, ...]) -> dict[str, dict[str, int]]:
    """Shipped units onto open fulfilment order line items: {fulfillment order id: {line item id: units}}."""
    left = {item.id: item.remaining_quantity for fo in order.fulfillment_orders.nodes for item in fo.line_items.nodes}
    chosen: dict[str, dict[str, int]] = defaultdict(dict)
    for shipped in lines:
        wanted = shipped.quantity
        for fo in order.fulfillment_orders.nodes:
            if fo.status not in OPEN_STATUSES:
                continue
            for item in fo.line_items.nodes:
                if wanted == 0 or left[item.id] == 0 or shipped.sku not in names_of(item):
                    continue
                units = min(wanted, left[item.id])
                left[item.id] -= units
                wanted -= units
                chosen[fo.id][item.id] = chosen[fo.id].get(item.id, 0) + units
    return dict(chosen)


def already_fulfilled(order: ShopifyOrder, tracking_number: str) -> Fulfillment | None:
    for fulfillment in order.fulfillments:
        if fulfillment.status != "CANCELLED" and any(t.number == tracking_number for t in fulfillment.tracking_info):
            return fulfillment
    return None


def fulfillment_input(
    confirmation: ShipmentConfirmation, chosen: Mapping[str, Mapping[str, int]], *, notify_customer: bool
) -> dict[str, object]:
    tracking: dict[str, str] = {
        "company": COMPANIES.get(confirmation.carrier.lower(), confirmation.carrier),
        "number": confirmation.tracking_number,
    }
    if confirmation.tracking_url:
        tracking["url"] = confirmation.tracking_url
    by_order = [
        {
            "fulfillmentOrderId": fo_id,
            "fulfillmentOrderLineItems": [{"id": item, "quantity": units} for item, units in items.items()],
        }
        for fo_id, items in chosen.items()
    ]
    return {
        "lineItemsByFulfillmentOrder": by_order,
        "trackingInfo": tracking,
        "notifyCustomer": notify_customer,
    }


class ShopifyFulfilments:
    """``ChannelFulfilments`` for the Shopify store of ``graphql`` (one store per connector)."""

    def __init__(self, graphql: ShopifyGraphql, *, channel: str = CHANNEL, notify_customer: bool = True) -> None:
        self.graphql = graphql
        self.notify_customer = notify_customer  # Shopify's shipping confirmation e-mail to the customer
        self._channel = channel

    def handles(self, channel: str) -> bool:
        return channel == self._channel

    async def aclose(self) -> None:
        await self.graphql.aclose()

    async def confirm_shipment(self, confirmation: ShipmentConfirmation) -> ConfirmationResult:
        order = await self.read_order(confirmation.channel_order_id)
        done = already_fulfilled(order, confirmation.tracking_number)
        if done is not None:
            return ConfirmationResult(ConfirmationOutcome.ALREADY_CONFIRMED, done.id, "tracking number already there")
        chosen = allocate(order, confirmation.lines)
        if not chosen:
            return ConfirmationResult(
                ConfirmationOutcome.NOTHING_TO_CONFIRM, "", "no shipped unit is still open on the Shopify order"
            )
        created = await self.create(fulfillment_input(confirmation, chosen, notify_customer=self.notify_customer))
        return ConfirmationResult(ConfirmationOutcome.CREATED, created.id, created.status)

    async def read_order(self, channel_order_id: str) -> ShopifyOrder:
        gid = order_gid(channel_order_id)
        data = await self.graphql.execute(OrderData, ORDER_QUERY, {"id": gid}, operation=READ_ORDER)
        if data.order is None:
            raise PermanentConnectorError(
                f"the store has no order {gid}", connector=self.graphql.name, operation=READ_ORDER
            )
        return data.order

    async def create(self, fulfillment: dict[str, object]) -> CreatedFulfillment:
        data = await self.graphql.execute(
            CreateData, CREATE_MUTATION, {"fulfillment": fulfillment}, operation=CREATE_FULFILMENT
        )
        payload = data.fulfillment_create
        if payload.user_errors or payload.fulfillment is None:
            said = "; ".join(f"{'.'.join(e.field or ()) or '-'}: {e.message}" for e in payload.user_errors)
            raise PermanentConnectorError(
                f"Shopify refused the fulfilment: {said or 'no fulfilment returned'}",
                connector=self.graphql.name,
                operation=CREATE_FULFILMENT,
            )
        return payload.fulfillment
