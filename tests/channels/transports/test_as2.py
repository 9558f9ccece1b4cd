"""POST /v1/edi/as2 with a real partner AS2 station (pyas2lib, its own HTTP server): signed, encrypted X12
in, a signed MDN out; whatever is wrong is the MDN's RFC 4130 disposition, and the raw message is kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.services.ports import MdnMode
from overture.store.tables import as2_messages, inbound_messages
from tests.channels.transports.as2_partner import PartnerAs2
from tests.channels.transports.hub import seed_as2, seed_x12
from tests.channels.transports.keys import KeyPair, key_pair
from tests.channels.x12.fixtures import PO_850
from tests.conftest import LiveServer

M, X = inbound_messages, as2_messages


@pytest.fixture(scope="module")
def keys() -> dict[str, KeyPair]:
    return {name: key_pair(name) for name in ("OVERTURE", "ACME", "IMPOSTOR")}


@pytest.fixture
def world(container: Container, keys: dict[str, KeyPair]) -> Iterator[tuple[LiveServer, PartnerAs2]]:
    server = LiveServer(container)
    server.start()
    partner = PartnerAs2("ACME", keys["ACME"], "OVERTURE", keys["OVERTURE"].certificate_pem).start()
    seed_x12(container)
    seed_as2(
        container, ours=keys["OVERTURE"], theirs=keys["ACME"], our_url=server.url, their_url=partner.url,
        mdn_mode=MdnMode.SYNC,
    )  # fmt: skip
    yield server, partner
    partner.stop()
    server.stop()


def _endpoint(server: LiveServer) -> str:
    return f"{server.url}/v1/edi/as2"


def _rows(container: Container, table: Any) -> list[Any]:
    with container.engine.connect() as c:
        return list(c.execute(sa.select(table)))


def test_a_signed_encrypted_850_gets_a_signed_mdn_and_becomes_an_order(
    world: tuple[LiveServer, PartnerAs2], container: Container
) -> None:
    server, partner = world

    response, message = partner.send(_endpoint(server), PO_850.encode())

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("multipart/signed")
    status, detail, mdn = partner.read_mdn(response, message)
    assert (status, detail) == ("processed", None)
    raw = next(r for r in _rows(container, M) if r.channel == "as2")
    x12 = next(r for r in _rows(container, M) if r.channel == "edi" and r.transport)
    assert raw.status == "accepted" and raw.transport["as2_message_id"] == message.message_id
    assert raw.body != PO_850.encode()  # kept as it came: encrypted
    # MIME text travels with CRLF line ends (RFC 5751 canonical form): the X12 is the 850, line ends aside.
    assert x12.body.replace(b"\r\n", b"\n") == PO_850.encode() and x12.status == "accepted"
    assert x12.transport["mdn_message_id"] == mdn.message_id
    assert (x12.transport["as2_from"], x12.transport["as2_to"]) == ("ACME", "OVERTURE")
    (inbound,) = [r for r in _rows(container, X) if r.direction == "in"]
    assert (inbound.message_id, inbound.disposition, inbound.mic) == (
        message.message_id,
        "processed",
        message.mic.decode(),
    )
    with container.engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM orders")).scalar_one() == 1


@pytest.mark.parametrize(
    ("case", "modifier"),
    [
        ("unsigned", "insufficient-message-security"),
        ("signed by another key", "authentication-failed"),
        ("encrypted for another certificate", "decryption-failed"),
        ("from an unknown partner", "unknown-trading-partner"),
    ],
)
def test_what_cannot_be_trusted_gets_an_mdn_naming_why_and_is_kept(
    world: tuple[LiveServer, PartnerAs2], container: Container, keys: dict[str, KeyPair], case: str, modifier: str
) -> None:
    server, partner = world
    options: dict[str, Any] = {
        "unsigned": {"sign": False},
        "signed by another key": {"signing_keys": keys["IMPOSTOR"]},
        "encrypted for another certificate": {"encrypt_to": keys["IMPOSTOR"].certificate_pem},
        "from an unknown partner": {"as2_from": "STRANGER"},
    }[case]

    response, message = partner.send(_endpoint(server), PO_850.encode(), **options)

    assert response.status_code == 200
    assert f"processed/Error: {modifier}".encode() in response.content
    if case != "from an unknown partner":  # whom we do not know gets an unsigned MDN
        assert partner.read_mdn(response, message)[:2] == ("processed/Error", modifier)
    (raw,) = _rows(container, M)
    assert (raw.channel, raw.status, raw.reason) == ("as2", "quarantined", modifier)
    assert raw.transport["as2_message_id"] == message.message_id
    with container.engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM orders")).scalar_one() == 0


def test_a_message_id_sent_again_is_a_duplicate_not_a_second_order(
    world: tuple[LiveServer, PartnerAs2], container: Container
) -> None:
    server, partner = world
    first, message = partner.send(_endpoint(server), PO_850.encode())

    again = httpx.post(_endpoint(server), content=message.content, headers=message.headers, timeout=30)

    assert partner.read_mdn(first, message)[0] == "processed"
    assert partner.read_mdn(again, message)[:2] == ("processed/Warning", "duplicate-document")
    assert sorted(r.status for r in _rows(container, M) if r.channel == "as2") == ["accepted", "duplicate"]
    with container.engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM orders")).scalar_one() == 1


def test_an_asynchronous_mdn_is_posted_to_the_partner_after_the_answer(
    world: tuple[LiveServer, PartnerAs2], container: Container
) -> None:
    server, partner = world
    partner.async_mdn = True

    response, message = partner.send(_endpoint(server), PO_850.encode())

    assert response.status_code == 200 and response.content == b""
    partner.wait("mdns", 1)
    assert partner.mdns == [("processed", None)]
    (inbound,) = [r for r in _rows(container, X) if r.direction == "in"]
    assert (inbound.message_id, inbound.disposition) == (message.message_id, "processed")
