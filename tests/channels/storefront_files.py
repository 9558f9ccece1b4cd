"""Storefront payloads for tests: our own fixtures (always here) and the shared real samples (maybe not)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from overture.domain.commands import PlaceOrder
from overture.services.placement import build_order
from tests.conftest import SAMPLES

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(fixture_bytes(name))
    return loaded


def sample_json(*parts: str) -> Any:
    """A document from ../shared/samples, or skip: a clone without the samples still runs our own fixtures."""
    path = SAMPLES.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"shared sample {path} is absent (the samples live in ../shared/samples beside the repository)")
    return json.loads(path.read_bytes())


def body(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def mapped_total(command: PlaceOrder) -> Decimal:
    """The total of the order the command builds, by the domain's own rule (and its checks)."""
    order = build_order(command, order_id="ord_test", message_id="msg_test", at=datetime.now(UTC))
    return order.total.amount
