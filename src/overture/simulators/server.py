"""Serve an ASGI app under uvicorn on a loopback port, in a background thread (tests and the demo)."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Self

import uvicorn
from fastapi import FastAPI

_START_TIMEOUT_S = 15.0


class SimulatorServer:
    """``start()`` binds a free port (or ``port``) and returns once uvicorn accepts connections."""

    def __init__(self, app: FastAPI, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        self.app = app
        self.host = host
        self._port = port
        # A short graceful shutdown: a request hanging on an injected timeout must not hold stop() up.
        config = uvicorn.Config(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="simulator-server", daemon=True)

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the server has not started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        # With port 0 the OS chose the port: read it from the listening socket.
        self._port = int(self._server.servers[0].sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=_START_TIMEOUT_S)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
