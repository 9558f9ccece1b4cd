"""What the simulated SP-API is told and counts by: its operation names, and the bodies of its control
routes (seeded orders, page sizes and rate limits), checked as the API model requires."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

GET_ORDERS = "getOrders"
GET_ORDER = "getOrder"
GET_ORDER_ITEMS = "getOrderItems"
GET_ORDER_ADDRESS = "getOrderAddress"
CONFIRM_SHIPMENT = "confirmShipment"
OPERATIONS = frozenset({GET_ORDERS, GET_ORDER, GET_ORDER_ITEMS, GET_ORDER_ADDRESS, CONFIRM_SHIPMENT})
MAX_PAGE = 100
ORDER_REQUIRED = ("AmazonOrderId", "PurchaseDate", "LastUpdateDate", "OrderStatus")


class LimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_per_s: float = Field(gt=0)
    burst: int = Field(ge=1)


class ConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page_size: int | None = Field(None, ge=1, le=MAX_PAGE)
    items_page_size: int | None = Field(None, ge=1, le=MAX_PAGE)
    limits: dict[str, LimitIn] = Field(default_factory=dict)

    @field_validator("limits")
    @classmethod
    def _known_operations(cls, limits: dict[str, LimitIn]) -> dict[str, LimitIn]:
        unknown = set(limits) - OPERATIONS
        if unknown:
            raise ValueError(f"unknown operations {sorted(unknown)}")
        return limits


class SeededOrderIn(BaseModel):
    order: dict[str, Any]
    items: list[dict[str, Any]]

    @field_validator("order")
    @classmethod
    def _required_fields(cls, order: dict[str, Any]) -> dict[str, Any]:
        for name in ORDER_REQUIRED:  # the API model's required Order fields
            if not isinstance(order.get(name), str) or not order[name]:
                raise ValueError(f"the order needs the string field {name}")
        for name in ("PurchaseDate", "LastUpdateDate"):
            parse_time(order[name])
        return order


class OrdersIn(BaseModel):
    orders: list[SeededOrderIn]


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment
