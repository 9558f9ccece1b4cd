"""Request bodies bounded at the door: 413 before a byte past the limit is read, and JSON nesting bounded."""

from __future__ import annotations

import resource
import select
import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.store.tables import inbound_messages
from overture.web.limits import json_depth
from tests.conftest import LiveServer

MIB = 1024 * 1024


def _small(container: Container) -> Container:
    update = {"max_body_bytes": 64 * 1024, "max_bulk_body_bytes": 256 * 1024, "max_json_depth": 16}
    return replace(container, settings=container.settings.model_copy(update=update))


@pytest.fixture
def http(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(_small(container))) as client:
        yield client


@pytest.fixture
def server(container: Container) -> Iterator[LiveServer]:
    live = LiveServer(_small(container))
    live.start()
    yield live
    live.stop()


def _kept(container: Container) -> int:
    with container.engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(inbound_messages)) or 0)


def test_an_order_over_the_limit_is_refused_with_413_and_nothing_kept(http: TestClient, container: Container) -> None:
    body = b'{"channel": "web", "padding": "' + b"x" * (64 * 1024) + b'"}'
    answer = http.post("/v1/orders", content=body, headers={"Content-Type": "application/json"})

    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error["code"] == "body_too_large" and error["limit_bytes"] == 64 * 1024
    assert _kept(container) == 0


def test_a_bulk_intake_takes_a_larger_body(http: TestClient) -> None:
    edi = b"ISA*" + b"x" * (128 * 1024)  # over the default limit, under the bulk one: the parser decides
    assert http.post("/v1/channels/edi", content=edi).status_code != 413
    assert http.post("/v1/channels/edi", content=edi * 3).status_code == 413


def test_json_nested_past_the_limit_is_refused_by_name(http: TestClient, container: Container) -> None:
    deep = b'{"channel": "web", "x": ' + b"[" * 40 + b"]" * 40 + b"}"
    answer = http.post("/v1/orders", content=deep, headers={"Content-Type": "application/json"})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "json_too_deep" and "41 levels" in answer.json()["error"]["message"]
    assert _kept(container) == 0


def test_json_within_the_limit_reaches_the_route_unchanged(http: TestClient) -> None:
    answer = http.post("/v1/orders", content=b'{"channel": "web"}', headers={"Content-Type": "application/json"})

    assert answer.status_code == 422  # the order's own validation speaks: the body got through whole
    assert answer.json()["error"]["code"] != "json_too_deep"


def test_json_depth_does_not_count_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": "[[[{{{", "b": [1, {"c": "\\"]]]"}]}') == 3
    assert json_depth(b"42") == 0 and json_depth(b"") == 0
    assert json_depth(b"[" * 5000) == 5000  # unclosed: still measured, the parser refuses it later


def _raw_post(port: int, path: str, headers: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: hub\r\n{headers}\r\n".encode())
    return sock


def _status(sock: socket.socket) -> int:
    return int(sock.recv(65536).split(b" ", 2)[1])


def test_a_declared_200_mb_body_is_refused_before_it_is_sent(server: LiveServer) -> None:
    # Unsigned, to a signed webhook: once the signature check read the whole body before its 401.
    declared = f"Content-Type: application/json\r\nContent-Length: {200 * MIB}\r\n"
    with _raw_post(server.port, "/v1/channels/shopify/webhooks", declared) as sock:
        assert _status(sock) == 413


def test_a_chunked_200_mb_body_is_refused_early_and_memory_stays_flat(server: LiveServer) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sent = 0
    chunk = b"x" * MIB
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    with _raw_post(server.port, "/v1/channels/edi", "Transfer-Encoding: chunked\r\n") as sock:
        while sent < 200 * MIB:
            if select.select([sock], [], [], 0)[0]:
                break  # the answer came: the server stopped reading
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        sock.settimeout(10)
        status = _status(sock)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # ru_maxrss is in KiB

    assert status == 413
    assert sent < 20 * MIB, f"{sent / MIB:.0f} MiB were sent before the refusal"
    assert grown_mib < 64, f"the process grew by {grown_mib:.0f} MiB"


def test_a_nul_in_a_management_body_is_refused_by_name(http: TestClient) -> None:
    answer = http.post("/v1/locations", json={"id": "EWR\u0000", "name": "Newark", "postal_code": "07114"})

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == [
        {"field": "body", "code": "invalid_character", "reason": answer.json()["error"]["fields"][0]["reason"]}
    ]
    assert http.get("/v1/locations").json()["items"] == []


def test_a_nul_in_an_order_is_left_to_its_reader_which_keeps_it_in_quarantine(
    http: TestClient, container: Container
) -> None:
    answer = http.post("/v1/orders", json={"channel": "web\u0000"})

    assert answer.status_code == 422 and answer.json()["error"]["message_id"]
    assert _kept(container) == 1
