"""``overture edi``: inspect an X12 file, watch a partners' drop folder, poll a partner's SFTP inbox."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from overture.bootstrap import bootstrap
from overture.cli.common import DatabaseOption, HomeOption, store_settings

app = typer.Typer(help="EDI X12: inspect files, watch a drop folder, poll an SFTP inbox.", no_args_is_help=True)


@app.command("inspect")
def edi_inspect(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An X12 file")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Refuse segments outside the standard's table (else warnings)")
    ] = False,
) -> None:
    """Print, as JSON, each interchange, group and transaction set (X12) or message (EDIFACT) with its
    problems and warnings, and for an 850 or ORDERS the canonical order it becomes (or why not). Exit
    code 0 when the file is valid by its standard (warnings allowed), 1 otherwise."""
    import orjson

    from overture.channels.edifact import inspect as edifact
    from overture.channels.x12.inspect import inspect

    data = path.read_bytes()
    report, valid = edifact.inspect(data) if edifact.is_edifact(data) else inspect(data, strict=strict)
    typer.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
    raise typer.Exit(0 if valid else 1)


@app.command("watch")
def edi_watch(
    folder: Annotated[Path, typer.Argument(file_okay=False, help="The drop folder partners' files arrive in")],
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between passes")] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit")] = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Process X12 files dropped in FOLDER: each is kept, acknowledged (997, 855 to FOLDER/outbound) and its
    850s captured, then moved to FOLDER/processed; what cannot be processed goes to FOLDER/failed with why."""
    import logging

    from overture.bootstrap import edi_sender
    from overture.channels.x12.dropfolder import watch

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = store_settings(home, database_url)
    container = bootstrap(settings)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        watch(
            folder,
            uow_factory=container.uow,
            geocoder=container.geocoder,
            clock=container.clock,
            sender=edi_sender(settings),
            interval_s=interval,
            passes=1 if once else None,
        )
    finally:
        container.close()


@app.command("sftp-poll")
def edi_sftp_poll(
    partner: Annotated[str, typer.Option(help="The trading partner whose server this is (its profile id)")],
    host: Annotated[str, typer.Option(help="The partner's SFTP server")],
    username: Annotated[str, typer.Option(help="Our user on it")],
    known_hosts: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="known_hosts file holding the server's host key")
    ],
    port: Annotated[int, typer.Option(min=1, max=65535)] = 22,
    key: Annotated[list[Path] | None, typer.Option(exists=True, dir_okay=False, help="A client private key")] = None,
    password_env: Annotated[
        str | None, typer.Option(help="Name of the environment variable holding the password, if any")
    ] = None,
    inbox: Annotated[str, typer.Option(help="Folder files arrive in")] = "inbox",
    outbox: Annotated[str, typer.Option(help="Folder the 997 and 855s are written to")] = "outbox",
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between polls")] = 60.0,
    once: Annotated[bool, typer.Option("--once", help="One poll, then exit")] = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Poll a partner's SFTP inbox: each X12 file is kept, acknowledged (997, 855 to OUTBOX) and its 850s
    captured, then moved to INBOX/processed (INBOX/failed when quarantined); a file taken before is not
    taken again. The password is read from an environment variable, never from the command line."""
    import logging
    import os

    from overture.bootstrap import edi_sender
    from overture.channels.transports.sftp import SftpEndpoint, poll_every

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    endpoint = SftpEndpoint(
        partner_id=partner,
        host=host,
        username=username,
        known_hosts=str(known_hosts),
        port=port,
        client_keys=tuple(str(k) for k in key or ()),
        password=os.environ.get(password_env) if password_env else None,
        inbox=inbox,
        outbox=outbox,
        processed=f"{inbox}/processed",
        failed=f"{inbox}/failed",
    )
    settings = store_settings(home, database_url)
    container = bootstrap(settings)
    try:
        poll_every(
            endpoint,
            uow_factory=container.uow,
            geocoder=container.geocoder,
            clock=container.clock,
            sender=edi_sender(settings),
            interval_s=interval,
            passes=1 if once else None,
        )
    finally:
        container.close()
