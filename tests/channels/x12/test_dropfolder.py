"""overture edi watch: files dropped in a folder are processed, answered and moved; nothing is lost."""

from __future__ import annotations

from pathlib import Path

import orjson
import sqlalchemy as sa
from typer.testing import CliRunner

from overture.bootstrap import Container
from overture.channels.x12.dropfolder import process_folder
from overture.channels.x12.envelope import read
from overture.channels.x12.writer import Sender
from overture.cli import app
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.retry import in_transaction
from overture.store.tables import inbound_messages, orders
from tests.channels.x12.fixtures import PO_850
from tests.factories import add_locations, add_skus, stock

ACME = PartnerProfile(
    "ACME", "Acme Stores", X12Identity("ZZ", "ACMEBUYER"), sku_xref={"ACME-001": "W", "ACME-002": "G"}
)


def _seed(container: Container) -> None:
    in_transaction(container.uow, lambda uow: uow.partners.put(ACME, container.clock()))
    add_locations(container, ["EWR"])
    add_skus(container, "W", "G")
    stock(container, "W", "EWR", 50)
    stock(container, "G", "EWR", 50)


def _pass(folder: Path, container: Container) -> list[tuple[str, str]]:
    outcomes = process_folder(
        folder, uow_factory=container.uow, geocoder=container.geocoder, clock=container.clock, sender=Sender()
    )
    return [(o.name, o.status) for o in outcomes]


def test_good_files_are_processed_answered_and_moved_bad_ones_failed_with_why(
    tmp_path: Path, container: Container
) -> None:
    _seed(container)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "po1.edi").write_text(PO_850)
    (drop / "junk.edi").write_text("not EDI at all")
    (drop / "po2.edi.part").write_text(PO_850)  # still being uploaded

    assert sorted(_pass(drop, container)) == [("junk.edi", "failed"), ("po1.edi", "processed")]

    assert (drop / "processed" / "po1.edi").read_text() == PO_850
    assert read((drop / "outbound" / "po1.997.edi").read_text()).all_problems() == []
    assert (drop / "outbound" / "po1.855-1.edi").exists()
    error = orjson.loads((drop / "failed" / "junk.edi.error.json").read_bytes())
    assert error["errors"][0]["field"] == "ISA" and (drop / "failed" / "junk.edi").exists()
    assert (drop / "po2.edi.part").exists()
    with container.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one() == 1
        statuses = sorted(c.execute(sa.select(inbound_messages.c.status).where(inbound_messages.c.channel == "edi")))
    assert [s for (s,) in statuses].count("quarantined") == 1


def test_the_same_file_name_sent_again_is_kept_beside_the_first(tmp_path: Path, container: Container) -> None:
    _seed(container)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "po.edi").write_text(PO_850)
    _pass(drop, container)
    (drop / "po.edi").write_text(PO_850.replace("000000101", "000000102"))

    assert _pass(drop, container) == [("po.edi", "processed")]

    assert sorted(p.name for p in (drop / "processed").iterdir()) == ["po.edi", "po.edi.1"]
    with container.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one() == 1


def test_the_command_runs_one_pass(tmp_path: Path, container: Container) -> None:
    _seed(container)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "po.edi").write_text(PO_850)
    url = container.settings.resolved_database_url()

    result = CliRunner().invoke(app, ["edi", "watch", str(drop), "--once", "--database-url", url])

    assert result.exit_code == 0, result.output
    assert (drop / "processed" / "po.edi").exists()


def test_a_005010_file_is_answered_with_a_999_and_a_ta1_when_the_interchange_asks(
    tmp_path: Path, container: Container
) -> None:
    from tests.channels.x12.standard_documents import document

    _seed(container)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "po5010.edi").write_text(document("850", version="005010"))
    (drop / "po4010.edi").write_text(PO_850.replace("*000000101*0*P*", "*000000101*1*P*"))  # ISA14 1: a TA1, please

    _pass(drop, container)

    answers = sorted(p.name for p in (drop / "outbound").iterdir())
    assert "po5010.999.edi" in answers and "po5010.997.edi" not in answers
    assert {"po4010.997.edi", "po4010.ta1.edi"} <= set(answers)
    assert read((drop / "outbound" / "po4010.ta1.edi").read_text()).interchanges[0].header.tag == "ISA"
    assert "AK1" in (drop / "outbound" / "po5010.999.edi").read_text()
