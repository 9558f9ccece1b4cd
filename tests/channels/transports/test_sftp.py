"""The SFTP poller against a real SFTP server (asyncssh's, rooted at a tmp folder): inbox files received,
answered in the outbox, moved aside; taken once; a file that is not X12 failed and quarantined."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.channels.transports.sftp import SftpEndpoint, SftpOutcome, poll
from overture.channels.x12.envelope import read
from overture.channels.x12.writer import Sender
from overture.store.tables import inbound_messages, orders, sftp_files
from tests.channels.transports.hub import seed_x12
from tests.channels.transports.sftp_server import SftpServer
from tests.channels.x12.fixtures import PO_850


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SftpServer]:
    root = tmp_path / "partner"
    (root / "inbox").mkdir(parents=True)
    started = SftpServer(root, tmp_path / "keys").start()
    yield started
    started.stop()


def _poll(endpoint: SftpEndpoint, container: Container) -> list[tuple[str, str]]:
    outcomes: list[SftpOutcome] = asyncio.run(
        poll(endpoint, uow_factory=container.uow, geocoder=container.geocoder, clock=container.clock, sender=Sender())
    )
    return [(o.name, o.status) for o in outcomes]


def test_inbox_files_are_received_answered_in_the_outbox_and_moved_aside_once(
    server: SftpServer, container: Container
) -> None:
    seed_x12(container)
    inbox = server.root / "inbox"
    (inbox / "po1.edi").write_text(PO_850)
    (inbox / "junk.edi").write_text("not EDI at all")
    (inbox / "po2.edi.part").write_text(PO_850)  # still being uploaded
    endpoint = server.endpoint("ACME")

    assert _poll(endpoint, container) == [("junk.edi", "failed"), ("po1.edi", "processed")]
    assert _poll(endpoint, container) == []  # a second pass finds nothing new

    assert (inbox / "processed" / "po1.edi").read_text() == PO_850
    assert (inbox / "failed" / "junk.edi").exists() and (inbox / "po2.edi.part").exists()
    outbox = sorted(p.name for p in (server.root / "outbox").iterdir())
    assert outbox == ["po1.855-1.edi", "po1.997.edi"]
    assert read((server.root / "outbox" / "po1.997.edi").read_text()).all_problems() == []
    with container.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one() == 1
        query = sa.select(inbound_messages.c.status, inbound_messages.c.transport)
        kept = [(s, t) for s, t in c.execute(query) if t]  # the files; their 850s keep no receipt of their own
        taken = sorted(c.execute(sa.select(sftp_files.c.name, sftp_files.c.status)).all())
    assert sorted(status for status, _ in kept) == ["accepted", "quarantined"]
    receipt = next(t for s, t in kept if s == "accepted")
    where = (receipt["sftp_host"], receipt["sftp_path"], receipt["sftp_file"])
    assert where == ("127.0.0.1", "inbox/po1.edi", "po1.edi")
    assert taken == [("junk.edi", "failed"), ("po1.edi", "processed")]


def test_the_same_file_uploaded_again_is_not_received_twice(server: SftpServer, container: Container) -> None:
    seed_x12(container)
    inbox = server.root / "inbox"
    (inbox / "po.edi").write_text(PO_850)
    endpoint = server.endpoint("ACME")
    _poll(endpoint, container)
    (inbox / "po.edi").write_text(PO_850)  # the partner's client uploads it again

    assert _poll(endpoint, container) == [("po.edi", "skipped")]

    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["po.edi", "po.edi.1"]
    assert len(list((server.root / "outbox").iterdir())) == 2  # the 997 and 855 of the first upload only
    with container.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(inbound_messages)).scalar_one() == 2  # file + its 850


def test_overture_edi_sftp_poll_once(server: SftpServer, container: Container, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from overture.cli import app

    seed_x12(container)
    (server.root / "inbox" / "po.edi").write_text(PO_850)
    endpoint = server.endpoint("ACME")
    args = ["edi", "sftp-poll", "--partner", "ACME", "--host", endpoint.host, "--port", str(endpoint.port)]
    args += ["--username", "acme", "--known-hosts", endpoint.known_hosts, "--key", endpoint.client_keys[0], "--once"]
    args += ["--database-url", container.settings.resolved_database_url(), "--home", str(tmp_path)]

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 0, result.output
    assert (server.root / "inbox" / "processed" / "po.edi").exists()
    assert (server.root / "outbox" / "po.997.edi").exists()


def test_a_005010_file_is_answered_with_a_999_and_an_asked_for_ta1(server: SftpServer, container: Container) -> None:
    from tests.channels.x12.standard_documents import document

    seed_x12(container)
    (server.root / "inbox" / "po.edi").write_text(document("850", version="005010").replace("*0*P*", "*1*P*"))

    assert _poll(server.endpoint("ACME"), container) == [("po.edi", "processed")]

    outbox = sorted(p.name for p in (server.root / "outbox").iterdir())
    assert "po.999.edi" in outbox and "po.ta1.edi" in outbox and "po.997.edi" not in outbox
