"""WMS shipment confirmations (webhook body or polled notice) -> ShipmentRecord."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from overture.channels.validation import parse_json
from overture.services.plans import ShipmentRecord

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ShippedLineIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    line_no: int
    sku: Code
    quantity: Annotated[int, Field(gt=0)]


class ShipmentNoticeIn(BaseModel):
    """A WMS's shipment confirmation. Unknown extra fields are ignored: WMSs add their own."""

    model_config = ConfigDict(extra="ignore")
    shipment_id: Code
    order_id: Code
    location_id: Code
    carrier: Code
    tracking_number: Code
    shipped_at: AwareDatetime
    lines: list[ShippedLineIn] = []
    sequence: int | None = None


def translate_shipment(body: bytes) -> ShipmentRecord:
    notice = parse_json(ShipmentNoticeIn, body)
    shipped_at: datetime = notice.shipped_at
    return ShipmentRecord(
        shipment_id=notice.shipment_id,
        order_id=notice.order_id,
        location_id=notice.location_id,
        carrier=notice.carrier,
        tracking_number=notice.tracking_number,
        shipped_at=shipped_at,
        lines=[line.model_dump() for line in notice.lines],
    )
