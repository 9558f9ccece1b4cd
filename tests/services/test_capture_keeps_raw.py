"""A capture the store refuses for a reason no check foresaw still keeps the raw message, in quarantine."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.channels import rest
from overture.services.capture import capture_order
from overture.services.ports import InboundMessage, UnitOfWork
from overture.store.tables import inbound_messages
from tests.factories import order_payload


class _RefusingOrders:
    """The order repository of a store that refuses every order it is given."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def add(self, record: object) -> None:
        raise RuntimeError("the store refused the order")


class _RefusingUnitOfWork:
    def __init__(self, real: UnitOfWork) -> None:
        self._real = real

    def __enter__(self) -> Any:
        uow = self._real.__enter__()
        uow.orders = _RefusingOrders(uow.orders)
        return uow

    def __exit__(self, *exc: object) -> None:
        self._real.__exit__(*exc)


def test_a_raw_message_outlives_a_capture_the_store_refuses(container: Container) -> None:
    raw = json.dumps(order_payload(("SKU-1", 1))).encode()
    message = InboundMessage("rest", raw, container.clock(), "application/json", {})

    def refusing(*, readonly: bool = False) -> Any:
        return _RefusingUnitOfWork(container.uow(readonly=readonly))

    with pytest.raises(RuntimeError, match="refused the order"):
        capture_order(
            message,
            rest.translate,
            idempotency_key=None,
            uow_factory=refusing,
            geocoder=container.geocoder,
            clock=container.clock,
        )

    with container.engine.connect() as connection:
        kept = connection.execute(sa.select(inbound_messages).where(inbound_messages.c.body == raw)).one()
    assert (kept.status, kept.reason, kept.channel) == ("quarantined", "capture_failed", "rest")
