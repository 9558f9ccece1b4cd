"""Simulators served over real HTTP, a receiver for their webhooks, and helpers to drive them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from overture.connectors.erp import ErpConnector
from overture.connectors.http import ConnectorConfig
from overture.connectors.notifier import Notifier
from overture.connectors.wms import WmsConnector
from overture.simulators import SimulatorServer, create_erp_app, create_wms_app
from overture.simulators.warehouse import SHIPMENT_WEBHOOK_PATH


class Receiver:
    """A tiny app that collects what is posted to it; it can answer 500 to the first few posts."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.fail_first = 0
        app = FastAPI()

        @app.post(SHIPMENT_WEBHOOK_PATH)
        async def collect(request: Request) -> JSONResponse:
            if self.fail_first > 0:
                self.fail_first -= 1
                return JSONResponse({"error": "not now"}, status_code=500)
            self.posts.append(await request.json())
            return JSONResponse({"ok": True})

        self.server = SimulatorServer(app)

    @property
    def url(self) -> str:
        return self.server.url + SHIPMENT_WEBHOOK_PATH

    def wait_for(self, count: int, *, timeout_s: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while len(self.posts) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.posts)


class Control:
    """Sync access to a simulator's control routes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = httpx.Client(base_url=url, timeout=5)

    def close(self) -> None:
        self._client.close()

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        return self._client.post(path, json=body or {}, headers=headers)

    def get(self, path: str) -> Any:
        response = self._client.get(path)
        response.raise_for_status()
        return response.json()

    def faults(self, **spec: Any) -> None:
        self.post("/_faults", spec).raise_for_status()

    def stats(self) -> Any:
        return self.get("/_stats")

    def records(self) -> Any:
        return self.get("/_records")


# One server of each kind for the session, reset before every test (POST /_reset), keeps the set fast.


@pytest.fixture(scope="session")
def _receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.server.start()
    yield receiver
    receiver.server.stop()


@pytest.fixture
def receiver(_receiver: Receiver) -> Receiver:
    _receiver.posts.clear()
    _receiver.fail_first = 0
    return _receiver


def _served(app: FastAPI) -> Iterator[Control]:
    with SimulatorServer(app) as server:
        control = Control(server.url)
        yield control
        control.close()


@pytest.fixture(scope="session")
def _wms() -> Iterator[Control]:
    yield from _served(create_wms_app(ship_delay_s=0.05))


@pytest.fixture(scope="session")
def _erp() -> Iterator[Control]:
    yield from _served(create_erp_app())


@pytest.fixture
def wms(_wms: Control) -> Control:
    _wms.post("/_reset").raise_for_status()
    return _wms


@pytest.fixture
def erp(_erp: Control) -> Control:
    _erp.post("/_reset").raise_for_status()
    return _erp


# Connectors are made inside each test's event loop: an httpx.AsyncClient belongs to one loop.
def wms_connector(url: str, *, timeout_s: float = 2.0) -> WmsConnector:
    return WmsConnector(ConnectorConfig("wms", url, timeout_s=timeout_s))


def erp_connector(url: str) -> ErpConnector:
    return ErpConnector(ConnectorConfig("erp", url))


def notifier(url: str) -> Notifier:
    return Notifier(ConnectorConfig("notify", url))
