"""``overture taxonomy map``: seller product titles to the operator's product taxonomy, offline."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from overture.cli.common import DatabaseOption, HomeOption, open_store

if TYPE_CHECKING:
    from overture.domain.taxonomy import Taxonomy

app = typer.Typer(help="Product taxonomy: map seller titles to the operator's categories.", no_args_is_help=True)
_OUTPUT = ("title", "category_id", "path", "confidence", "needs_review")


@app.command("map")
def taxonomy_map(
    titles: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV with a 'title' column")],
    taxonomy: Annotated[
        Path | None,
        typer.Option(
            envvar="OVERTURE_TAXONOMY_FILE",
            dir_okay=False,
            help="The taxonomy in Google's ('ID - A > B') or Shopify's ('gid://... : A > B') text form",
        ),
    ] = None,
    review_below: Annotated[float, typer.Option(min=0.0, max=1.0, help="Confidence under which to flag")] = 0.5,
    rerank: Annotated[
        bool, typer.Option(help="Rerank each title's best candidates with MiniLM (better, ~10x slower)")
    ] = True,
) -> None:
    """Print, as CSV on stdout, each title's best category: title, category_id, path, confidence,
    needs_review. The titles file has a 'title' column; an 'attributes' column ('brand=Nike;
    seller_category=Shoes') and any other columns (brand, colour, seller_category, ...) are read as the
    title's attributes. Uses WordLlama's model, then MiniLM's, both shipped in their wheels; nothing is
    downloaded."""
    from overture.connectors.embeddings import MiniLMEmbedder, WordLlamaEmbedder
    from overture.services.taxonomy import MapperSettings, TaxonomyMapper

    if taxonomy is None:
        typer.echo("Give --taxonomy FILE (or set OVERTURE_TAXONOMY_FILE)", err=True)
        raise typer.Exit(2)
    categories = _read_taxonomy(taxonomy)
    products = list(_products(titles))
    mapper = TaxonomyMapper(
        categories,
        WordLlamaEmbedder.load(),
        reranker=MiniLMEmbedder.load() if rerank else None,
        settings=MapperSettings(review_below=review_below),
    )
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(_OUTPUT)
    for mapping in mapper.map_many(products):
        best = mapping.best
        writer.writerow([mapping.title, best.category_id, best.text, f"{mapping.confidence:.4f}", mapping.needs_review])


@app.command("offers")
def taxonomy_offers(
    taxonomy: Annotated[
        Path | None,
        typer.Option(envvar="OVERTURE_TAXONOMY_FILE", dir_okay=False, help="The operator's taxonomy file"),
    ] = None,
    seller: Annotated[list[str] | None, typer.Option(help="Only these sellers' offers (repeat)")] = None,
    review_below: Annotated[float, typer.Option(min=0.0, max=1.0, help="Confidence under which to ask")] = 0.5,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Put every offer with a title and no category in the taxonomy; doubtful ones become
    ``taxonomy_review`` cases (GET /v1/marketplace/cases) for a person to pick from the candidates."""
    from overture.connectors.embeddings import MiniLMEmbedder, WordLlamaEmbedder
    from overture.services.marketplace.categorise import categorise_offers
    from overture.services.taxonomy import MapperSettings, TaxonomyMapper

    if taxonomy is None:
        typer.echo("Give --taxonomy FILE (or set OVERTURE_TAXONOMY_FILE)", err=True)
        raise typer.Exit(2)
    mapper = TaxonomyMapper(
        _read_taxonomy(taxonomy),
        WordLlamaEmbedder.load(),
        reranker=MiniLMEmbedder.load(),
        settings=MapperSettings(review_below=review_below),
    )
    container = open_store(home, database_url)
    try:
        done = categorise_offers(container.uow, mapper, clock=container.clock, seller_ids=seller or None)
    finally:
        container.close()
    typer.echo(f"{done.mapped} offer(s) given a category, {done.for_review} left for review")


def _read_taxonomy(path: Path) -> Taxonomy:
    from overture.domain.taxonomy import TaxonomyError, parse_taxonomy

    if not path.is_file():
        typer.echo(f"no taxonomy file at {path}", err=True)
        raise typer.Exit(2)
    try:
        return parse_taxonomy(path.read_text(encoding="utf-8"))
    except (TaxonomyError, UnicodeDecodeError) as refused:
        typer.echo(f"{path}: {refused}", err=True)
        raise typer.Exit(2) from None


def _products(path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        if "title" not in (reader.fieldnames or ()):
            typer.echo(f"{path}: no 'title' column", err=True)
            raise typer.Exit(2)
        for row in reader:
            yield row["title"], _attributes(row)


def _attributes(row: dict[str, str]) -> dict[str, str]:
    attributes = {key: value for key, value in row.items() if key not in ("title", "attributes") and value}
    for item in (row.get("attributes") or "").split(";"):
        key, found, value = item.partition("=")
        if found and key.strip():
            attributes[key.strip()] = value.strip()
    return attributes
