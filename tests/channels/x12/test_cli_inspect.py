"""``overture edi inspect FILE``: JSON on stdout, exit code 0 when valid and 1 with the errors."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from overture.cli import app
from tests.channels.x12.fixtures import PO_850

runner = CliRunner()


def _inspect(tmp_path: Path, text: str) -> tuple[int, dict[str, object]]:
    path = tmp_path / "in.edi"
    path.write_text(text)
    result = runner.invoke(app, ["edi", "inspect", str(path)])
    return result.exit_code, orjson.loads(result.stdout)


def test_a_valid_850_prints_the_order_it_becomes_and_exits_0(tmp_path: Path) -> None:
    code, report = _inspect(tmp_path, PO_850)

    assert code == 0 and report["valid"] is True
    (interchange,) = report["interchanges"]  # type: ignore[misc]
    (group,) = interchange["groups"]
    (transaction,) = group["transactions"]
    assert (transaction["code"], transaction["verdict"]) == ("850", "A")
    assert transaction["order"]["po_number"] == "PO-7781"
    assert transaction["order"]["lines"] == [
        {"sku": "WIDGET-RED", "quantity": 2, "unit_price": "48.00"},
        {"sku": "012345678905", "quantity": 5, "unit_price": "3.25"},
    ]


def test_an_invalid_file_lists_positioned_problems_and_exits_1(tmp_path: Path) -> None:
    code, report = _inspect(tmp_path, PO_850.replace("SE*14*0001", "SE*15*0001"))

    assert code == 1 and report["valid"] is False
    problems = report["interchanges"][0]["groups"][0]["transactions"][0]["problems"]  # type: ignore[index]
    assert problems == [
        {
            "code": "segment_count_mismatch",
            "message": "SE01 says '15' segments; the set has 14",
            "segment_position": 16,
            "segment_id": "SE",
            "element_position": 1,
        }
    ]


def test_a_file_that_is_not_x12_exits_1_with_the_reason(tmp_path: Path) -> None:
    code, report = _inspect(tmp_path, "hello")
    assert code == 1
    assert report["problems"] == [  # type: ignore[comparison-overlap]
        {
            "code": "no_interchange",
            "message": "the document does not start with an ISA header",
            "segment_position": 1,
            "segment_id": "ISA",
        }
    ]
