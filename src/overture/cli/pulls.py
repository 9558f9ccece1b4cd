"""What every ``overture <marketplace> pull`` does alike: read ``--since``, refuse a pull whose settings
are missing (exit 2), open the store, pull once in an event loop of its own, print the report's summary,
and exit 1 when a connector failure stopped the pull (0 otherwise). Each marketplace's module keeps only
what differs: the settings it needs, how its connector and order source are made, and its help.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from overture.bootstrap import Container, bootstrap
from overture.cli.common import console, settings_for, store_settings
from overture.config import Settings

if TYPE_CHECKING:
    from pathlib import Path

    from overture.services.capture import Translator
    from overture.services.marketplace_pull import OrderSource, PullReport
    from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory

SinceOption = Annotated[
    str, typer.Option(help="Import orders created at or after this ISO 8601 date (UTC if no offset)")
]
Refusal = Callable[[Settings], str | None]
Pull = Callable[[Settings, Container, datetime], Coroutine[Any, Any, "PullReport"]]


def run_pull(
    since: str,
    home: Path | None,
    database_url: str | None,
    *,
    refusal: Refusal,
    pull: Pull,
    record_health: bool = True,
) -> NoReturn:
    """Run one pull command to its exit code; ``refusal`` says what to set when the settings cannot pull.

    ``record_health`` flushes the pull's connector calls to the dashboard's connector health."""
    import asyncio

    moment = since_moment(since)
    settings = settings_for(home, database_url)
    refused = refusal(settings)
    if refused is not None:
        console.print(refused)
        raise typer.Exit(2)
    container = bootstrap(store_settings(home, database_url))
    try:
        if record_health:
            from overture.observability.flusher import HealthFlusher

            with HealthFlusher(container.engine, clock=container.clock):
                report = asyncio.run(pull(settings, container, moment))
        else:
            report = asyncio.run(pull(settings, container, moment))
    finally:
        container.close()
    for line in report.summary():
        console.print(line, highlight=False, markup=False)
    raise typer.Exit(1 if report.stopped_by else 0)


def unset(required: dict[str, object], *, to_try: str) -> str | None:
    """ "Set ..." naming each required setting that has no value (None when all have one)."""
    missing = [name for name, value in required.items() if not value]
    return f"[red]Set {', '.join(missing)}[/] {to_try}" if missing else None


def since_moment(since: str) -> datetime:
    """``--since`` as an aware datetime (UTC when it names no offset)."""
    from datetime import UTC

    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        raise typer.BadParameter(f"{since!r} is not an ISO 8601 date", param_hint="--since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def capture_listed(
    source: OrderSource,
    translate: Translator,
    *,
    since: datetime,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
) -> PullReport:
    """Capture what ``source`` lists since ``since``; a connector failure ends the pull with its report."""
    from overture.services.marketplace_pull import pull_orders
    from overture.services.ports.connector_errors import ConnectorError

    return await pull_orders(
        source,
        translate,
        since=since,
        uow_factory=uow_factory,
        geocoder=geocoder,
        clock=clock,
        stop_on=(ConnectorError,),
    )
