"""Structured logs: the configuration ``overture serve``/``api``/``worker`` install, driven for real.

The API runs under uvicorn with the runtime's own config (access log on), so each request's
access line is produced by uvicorn itself and must come out as JSON carrying the order id.
"""

from __future__ import annotations

import io
import json
import logging
import logging.config
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from overture.app import create_app
from overture.bootstrap import Container
from overture.observability import logs
from overture.runtime import uvicorn_config
from tests.conftest import free_port
from tests.factories import add_locations, add_skus, order_payload, stock


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """dictConfig changes the process's loggers: put the root and uvicorn's back afterwards."""
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access"]
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level) for name in names}
    yield
    for name, (handlers, level) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)


def configured(fmt: logs.LogFormat, *, access_log: bool = False) -> io.StringIO:
    stream = io.StringIO()
    logging.config.dictConfig(logs.logging_config(fmt=fmt, access_log=access_log, stream=stream))
    return stream


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line must be JSON: this fails otherwise


@pytest.mark.usefixtures("restore_logging")
def test_every_line_is_json_with_the_fields_and_the_bound_ids() -> None:
    stream = configured("json")
    log = logging.getLogger("overture.test")
    log.info("before %s", "binding")
    with logs.bound(order_id="ord_1", workflow_id="ord_1", workflow_run_id="run-1"):
        log.warning("inside")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    first, inside, failed = json_lines(stream)
    assert first["message"] == "before binding"
    assert {"timestamp", "level", "logger", "message"} <= set(first)
    assert first["level"] == "INFO" and first["logger"] == "overture.test"
    assert "order_id" not in first  # unknown ids are left out, not printed as null
    assert (inside["order_id"], inside["workflow_id"], inside["workflow_run_id"]) == ("ord_1", "ord_1", "run-1")
    assert "ValueError: boom" in failed["exc_info"]
    assert failed["timestamp"].endswith("+00:00")


@pytest.mark.usefixtures("restore_logging")
def test_text_format_for_local_debugging() -> None:
    stream = configured("text")
    with logs.bound(order_id="ord_9"):
        logging.getLogger("overture.test").info("plain")
    line = stream.getvalue().strip()
    assert "order=ord_9" in line and line.endswith("plain")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_bad_settings_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="log format must be 'json' or 'text', got 'xml'"):
        logs.logging_config(fmt="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown log context field"):
        logs.bind(customer="x")


@pytest.mark.usefixtures("restore_logging")
def test_api_access_lines_are_json_and_carry_the_order_id(container: Container) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "SKU-1")
    stock(container, "SKU-1", "EWR", 10)
    stream = configured("json", access_log=True)
    settings = container.settings.model_copy(update={"port": free_port(), "access_log": True})
    server = uvicorn.Server(uvicorn_config(create_app(container), settings))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{settings.port}", timeout=10) as http:
            order_id = http.post("/v1/orders", json=order_payload(("SKU-1", 1))).json()["id"]
            assert http.get(f"/v1/orders/{order_id}").status_code == 200
            assert http.get("/healthz").status_code == 200
    finally:
        server.should_exit = True
        thread.join(15)
    access = [line for line in json_lines(stream) if line["logger"] == "uvicorn.access"]
    by_path = {line["message"].split('"')[1]: line for line in access}
    assert by_path[f"GET /v1/orders/{order_id} HTTP/1.1"]["order_id"] == order_id
    # The next request does not inherit the previous one's order.
    assert "order_id" not in by_path["GET /healthz HTTP/1.1"]
    assert "order_id" not in by_path["POST /v1/orders HTTP/1.1"]
