"""``overture erp``: the ERP of record (Acumatica): its stock on hand per warehouse into our ledger
(``sync-stock``), its items and prices into our catalogue (``sync-items``), and our new SKUs and
prices into it (``push-items``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from overture.bootstrap import bootstrap
from overture.cli.common import DatabaseOption, HomeOption, console, settings_for, store_settings

if TYPE_CHECKING:
    from overture.outside import AcumaticaAccess

app = typer.Typer(help="The ERP of record (Acumatica): stock levels, items and prices.", no_args_is_help=True)
ERP = "Acumatica"


def _access(home: HomeOption, database_url: DatabaseOption) -> AcumaticaAccess:
    from overture.outside import acumatica_access

    try:
        access = acumatica_access(settings_for(home, database_url))
    except ValueError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    if access is None:
        console.print("[red]Set OVERTURE_ERP_KIND=acumatica and the OVERTURE_ACUMATICA_* settings[/]")
        raise typer.Exit(2)
    return access


@app.command("sync-stock")
def sync_stock(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Adjust our on hand to what Acumatica counts in each warehouse mapped to one of our locations
    (OVERTURE_ACUMATICA_WAREHOUSES); every change is an adjustment naming Acumatica, and a count under
    what is reserved is reported, not applied. Exit 1 when anything was left unapplied."""
    from overture.connectors.acumatica_stock import AcumaticaStock
    from overture.services.erp_stock import apply_levels
    from overture.services.ports.erp import WarehouseLevel

    access = _access(home, database_url)

    async def read() -> list[WarehouseLevel]:
        async with access.connector() as connector:
            return await AcumaticaStock(connector).warehouse_levels()

    levels = asyncio.run(read())
    container = bootstrap(store_settings(home, database_url))
    try:
        result = apply_levels(container.uow, levels, erp=ERP, clock=container.clock)
    finally:
        container.close()
    console.print(result.summary(), highlight=False, markup=False)
    for sku, location, erp, reserved in result.below_reserved:
        console.print(f"  {sku} at {location}: Acumatica counts {erp}, {reserved} reserved", highlight=False)
    raise typer.Exit(1 if result.below_reserved else 0)


@app.command("sync-items")
def sync_items(
    home: HomeOption = None,
    database_url: DatabaseOption = None,
    full: Annotated[
        bool, typer.Option("--full", help="Read every item, not only those changed since the last sync")
    ] = False,
) -> None:
    """Bring Acumatica's stock items into our catalogue: new SKUs created, known ones get Acumatica's
    description, unit, weight, cost and list price (our hazmat, oversize and serialized flags kept).
    Inactive items and records that do not read are reported, not applied: exit 1 when there are any."""
    from overture.services.erp_items import apply_items, items_cursor
    from overture.services.ports.erp_catalog import ItemRead

    access = _access(home, database_url)
    container = bootstrap(store_settings(home, database_url))
    try:
        since = None if full else items_cursor(container.uow, erp=ERP)

        async def read() -> ItemRead:
            async with access.connector() as connector:
                return await access.items(connector).changed_since(since)

        result = apply_items(container.uow, asyncio.run(read()), erp=ERP, clock=container.clock)
    finally:
        container.close()
    console.print(result.summary(), highlight=False, markup=False)
    for sku, status in result.inactive:
        console.print(f"  {sku}: {status} in Acumatica", highlight=False, markup=False)
    for refusal in result.refused:
        console.print(f"  {refusal.sku} {refusal.field}: {refusal.reason}", highlight=False, markup=False)
    raise typer.Exit(1 if result.inactive or result.refused else 0)


@app.command("push-items")
def push_items(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Create in Acumatica the SKUs it does not hold (OVERTURE_ACUMATICA_ITEM_CLASS) and send the list
    prices set here since; a price Acumatica changed later than we last saw is left to Acumatica and
    reported. Idempotent: a re-run creates nothing twice. Exit 1 on any conflict or refusal."""
    from overture.services.erp_push import ItemPush
    from overture.services.erp_push import push_items as push

    access = _access(home, database_url)
    container = bootstrap(store_settings(home, database_url))
    try:

        async def run() -> ItemPush:
            async with access.connector() as connector:
                return await push(container.uow, access.items(connector), erp=ERP, clock=container.clock)

        result = asyncio.run(run())
    finally:
        container.close()
    console.print(result.summary(), highlight=False, markup=False)
    for sku in result.conflicts:
        console.print(f"  {sku}: Acumatica changed it after we last saw it; its price kept", highlight=False)
    for refusal in result.refused:
        console.print(f"  {refusal.sku} {refusal.field}: {refusal.reason}", highlight=False, markup=False)
    raise typer.Exit(1 if result.conflicts or result.refused else 0)
