"""End to end over AS2: ACME's AS2 station (pyas2lib, its own HTTP server) sends a signed, encrypted 850 to
the running hub; the order is captured; the 997 and 855 go back to ACME over AS2, signed and encrypted;
each side verifies the other's MDN (ours in our answer; ACME's in its answer or posted to us later)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.channels.x12.envelope import read
from overture.services.ports import MdnMode
from overture.store.tables import as2_messages
from tests.channels.transports.as2_partner import PartnerAs2
from tests.channels.transports.hub import seed_as2, seed_x12
from tests.channels.transports.keys import KeyPair, key_pair
from tests.channels.x12.fixtures import PO_850
from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def keys() -> dict[str, KeyPair]:
    return {name: key_pair(name) for name in ("OVERTURE", "ACME")}


@pytest.fixture
def hub(container: Container) -> Iterator[LiveServer]:
    server = LiveServer(container)
    server.start()
    yield server
    server.stop()


def _outbound(container: Container, count: int, timeout_s: float = 20) -> list[sa.Row[tuple[object, ...]]]:
    """Our outbound exchanges once ``count`` of them have their MDN's disposition."""
    deadline = time.monotonic() + timeout_s
    query = sa.select(as2_messages).where(as2_messages.c.direction == "out").order_by(as2_messages.c.created_at)
    while True:
        with container.engine.connect() as c:
            rows = list(c.execute(query))
        if len([r for r in rows if r.disposition]) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


@pytest.mark.parametrize("their_mdns", [MdnMode.SYNC, MdnMode.ASYNC])
def test_an_850_over_as2_becomes_an_order_answered_over_as2_with_mdns_verified_both_ways(
    hub: LiveServer, container: Container, keys: dict[str, KeyPair], their_mdns: MdnMode
) -> None:
    partner = PartnerAs2("ACME", keys["ACME"], "OVERTURE", keys["OVERTURE"].certificate_pem).start()
    try:
        seed_x12(container)
        seed_as2(
            container, ours=keys["OVERTURE"], theirs=keys["ACME"], our_url=hub.url, their_url=partner.url,
            mdn_mode=their_mdns,
        )  # fmt: skip

        response, message = partner.send(f"{hub.url}/v1/edi/as2", PO_850.encode())

        status, _, our_mdn = partner.read_mdn(response, message)  # ACME verifies our signed MDN and its MIC
        assert status == "processed"
        partner.wait("received", 2)
        sent = _outbound(container, 2)
    finally:
        partner.stop()
    by_set = {read(r.payload.decode()).interchanges[0].groups[0].functional_id: r for r in partner.received}
    assert set(by_set) == {"FA", "PR"}  # the 997 and the 855, each decrypted and its signature verified by ACME
    assert all(r.status == "processed" for r in partner.received)
    assert sorted(r.kind for r in sent) == ["855", "997"]
    assert [r.disposition for r in sent] == ["processed", "processed"]  # ACME's MDNs, verified by us
    assert {r.mdn_message_id for r in sent} == {r.mdn_message_id for r in partner.received}
    assert {r.message_id for r in sent} == {r.message_id for r in partner.received}
    (order_line,) = [t for t in read(by_set["PR"].payload.decode()).transactions()][:1]
    po_ack = order_line[2]
    assert po_ack.body[0].elements[:4] == ["BAK", "00", "AD", "PO-7781"]
    with container.engine.connect() as c:
        (order_id,) = c.execute(sa.text("SELECT id FROM orders")).scalars()
    order = httpx.get(f"{hub.url}/v1/orders/{order_id}", timeout=10).json()
    assert order["status"] == "routed"
    assert our_mdn.message_id
