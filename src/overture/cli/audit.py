"""``overture audit``: the store's books checked against themselves; exit 1 when they disagree."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer

from overture.cli.common import DatabaseOption, HomeOption, console, open_store


def audit(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per disagreement")] = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Check, per SKU and location, that on hand equals the sum of ledger movements and reserved
    equals the ledger and the active reservations; that no completed or cancelled order holds an
    active reservation; and that every shipped line has a shipment. Prints each disagreement and
    exits 1 if there is any, 0 when the books agree."""
    from overture.services.audit import audit as run_audit

    container = open_store(home, database_url)
    try:
        found = run_audit(container.uow)
    finally:
        container.close()
    for discrepancy in found:
        if as_json:
            row = {"check": discrepancy.check.value, "subject": discrepancy.subject, "detail": discrepancy.detail}
            typer.echo(orjson.dumps(row).decode())
        else:
            console.print(str(discrepancy), markup=False, highlight=False)
    if found:
        console.print(f"{len(found)} disagreement(s)", style="bold red")
        raise typer.Exit(1)
    if not as_json:
        console.print("books agree: ledger, positions, reservations and shipments")
