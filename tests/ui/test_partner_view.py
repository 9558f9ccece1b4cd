"""The partner view through the app (SQLite and PostgreSQL): the partner's files in and our documents
out with their acknowledgement states, the overdue count and filter, paging by key, and each document
opened with its parsed view beside its raw text, escaped."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.store.dashboard import partner_view
from tests.ui.partner_seed import MARKUP, seed_partner


def _states(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="sent-row" data-document="([^"]+)" data-state="([^"]+)"', page))


def test_the_partner_page_shows_each_document_with_its_acknowledgement(
    client: TestClient, container: Container
) -> None:
    seed = seed_partner(container)
    assert 'href="/partners/ACME"' in client.get("/settings/partners").text

    page = client.get("/partners/ACME")

    assert page.status_code == 200
    states = _states(page.text)
    assert states[seed.accepted] == "accepted" and states[seed.overdue] == "overdue"
    assert sorted(set(states.values())) == ["accepted", "none due", "overdue"]  # our 997s owe nothing
    assert re.search(r'data-testid="overdue-count">1<', page.text)
    assert page.text.count('data-testid="received-row"') == 3  # two POs and the partner's 997
    assert f'acknowledges <a href="/partners/ACME/sent/{seed.accepted}">' in page.text


def test_overdue_only_lists_the_overdue_documents(client: TestClient, container: Container) -> None:
    seed = seed_partner(container)

    page = client.get("/partners/ACME", params={"overdue": "1"})

    assert _states(page.text) == {seed.overdue: "overdue"}
    assert 'class="active" data-testid="filter-overdue"' in page.text


def test_documents_page_by_key_newest_first(
    client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_partner(container)
    monkeypatch.setattr(partner_view, "PAGE", 2)
    seen: list[str] = []
    path: str | None = "/partners/ACME"
    while path:
        page = client.get(path).text
        seen += list(_states(page))
        older = re.search(r'href="([^"]+)#sent" data-testid="older-sent"', page)
        path = html.unescape(older.group(1)) if older else None
        assert "offset" not in (path or "")
    assert len(seen) == len(set(seen)) == 4  # two 855s, our 997s for the two POs (none for the partner's 997)
    assert seen == sorted(seen, reverse=True)  # made one after another: ids in time order


def test_a_sent_document_opens_with_its_acknowledgement_parsed_view_and_raw_text(
    client: TestClient, container: Container
) -> None:
    seed = seed_partner(container)

    page = client.get(f"/partners/ACME/sent/{seed.accepted}")

    assert page.status_code == 200
    assert 'data-state="accepted"' in page.text and 'data-testid="ack-sets"' in page.text
    assert 'data-testid="report-set"><strong>855 0001</strong>' in page.text
    raw = re.search(r'data-testid="raw-body">(.*?)</pre>', page.text, flags=re.S)
    assert raw is not None and "ST*855*0001~" in raw.group(1) and "&gt;" in raw.group(1)  # ISA16 escaped


def test_a_received_file_shows_its_raw_text_escaped(client: TestClient, container: Container) -> None:
    seed = seed_partner(container)

    page = client.get(f"/partners/ACME/received/{seed.po_message}")

    assert page.status_code == 200
    assert MARKUP not in page.text and html.escape(MARKUP, quote=False) in page.text
    assert 'data-testid="report-set"><strong>850 0001</strong>' in page.text
    assert "our 997" in page.text or ">997 (ISA13" in page.text


def test_unknown_partners_and_documents_of_another_partner_are_not_found(
    client: TestClient, container: Container
) -> None:
    seed = seed_partner(container)

    assert client.get("/partners/NOBODY").status_code == 404
    assert client.get(f"/partners/NOBODY/sent/{seed.accepted}").status_code == 404
    assert client.get("/partners/ACME/received/msg_nothing").status_code == 404
    assert client.get("/partners/ACME", params={"out_before": "not-a-key"}).status_code == 200


def test_an_edifact_partners_files_are_listed_with_our_verdicts(client: TestClient, container: Container) -> None:
    from overture.channels.edifact.intake import receive_edifact
    from overture.domain.partners import PartnerProfile
    from overture.services.ports import InboundMessage
    from overture.services.retry import in_transaction
    from tests.channels.edifact.fixtures import ORDERS_96A, SENDER
    from tests.factories import add_locations, add_skus, stock

    profile = PartnerProfile(SENDER, "Acme EU", uom_factors={"CT": 12})
    in_transaction(container.uow, lambda uow: uow.partners.put(profile, container.clock()))
    add_locations(container, ["EWR"])
    add_skus(container, "ACME-001", "GADGET")
    stock(container, "ACME-001", "EWR", 100)
    stock(container, "GADGET", "EWR", 100)
    message = InboundMessage("edifact", ORDERS_96A.encode(), container.clock(), "application/edifact")
    receipt = receive_edifact(container.uow, message, geocoder=container.geocoder, clock=container.clock)

    page = client.get(f"/partners/{SENDER}").text

    assert page.count('data-testid="received-row"') == 1
    assert "ORDERS 1" in page and "UNH ICR-101: <strong" in page
    order_id = receipt.messages[0].order_id
    assert order_id and order_id in page
