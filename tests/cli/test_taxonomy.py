"""``overture taxonomy map``: a titles CSV in, one CSV row per title out; bad input refused with exit 2."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from overture.cli import app as cli
from tests.services.test_taxonomy import SMALL

runner = CliRunner()


def test_titles_csv_maps_to_rows_of_category_path_confidence_and_review(tmp_path: Path) -> None:
    taxonomy = tmp_path / "taxonomy.txt"
    taxonomy.write_text(SMALL, encoding="utf-8")
    titles = tmp_path / "titles.csv"
    titles.write_text(
        "title,brand,attributes\n"
        "Nike Air Zoom Pegasus 40 Mens Running Shoes,Nike,\n"
        '"Classic Collection 3 Pack, Assorted",,seller_category=Socks\n',
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["taxonomy", "map", str(titles), "--taxonomy", str(taxonomy)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["category_id"] for r in rows] == ["11", "14"]
    assert rows[0]["path"] == "Apparel & Accessories > Shoes"
    assert rows[1]["title"] == "Classic Collection 3 Pack, Assorted"
    assert {r["needs_review"] for r in rows} <= {"True", "False"}
    assert all(0.0 <= float(r["confidence"]) <= 1.0 for r in rows)


def test_no_rerank_maps_with_wordllama_alone(tmp_path: Path) -> None:
    taxonomy = tmp_path / "taxonomy.txt"
    taxonomy.write_text(SMALL, encoding="utf-8")
    titles = tmp_path / "titles.csv"
    titles.write_text("title\nLodge Cast Iron Skillet 10.25 Inch\n", encoding="utf-8")
    result = runner.invoke(cli, ["taxonomy", "map", str(titles), "--taxonomy", str(taxonomy), "--no-rerank"])
    assert result.exit_code == 0, result.output
    assert [r["category_id"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["33"]


def test_a_bad_taxonomy_line_is_named_and_refused(tmp_path: Path) -> None:
    taxonomy = tmp_path / "taxonomy.txt"
    taxonomy.write_text("1 - Animals\nnot a category\n", encoding="utf-8")
    titles = tmp_path / "titles.csv"
    titles.write_text("title\nDog food\n", encoding="utf-8")
    result = runner.invoke(cli, ["taxonomy", "map", str(titles), "--taxonomy", str(taxonomy)])
    assert result.exit_code == 2
    assert "line 2:" in result.output


def test_no_taxonomy_given_is_refused(tmp_path: Path) -> None:
    titles = tmp_path / "titles.csv"
    titles.write_text("title\nDog food\n", encoding="utf-8")
    result = runner.invoke(cli, ["taxonomy", "map", str(titles)], env={"OVERTURE_TAXONOMY_FILE": ""})
    assert result.exit_code == 2
    assert "--taxonomy" in result.output
