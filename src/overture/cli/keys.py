"""``overture keys``: make, list and revoke API keys."""

from __future__ import annotations

from typing import Annotated

import typer

from overture.cli.common import DatabaseOption, HomeOption, cli_actor, open_store

app = typer.Typer(help="API keys: make, list, revoke.", no_args_is_help=True)


@app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="viewer, operator, admin, or channel")],
    channel: Annotated[str | None, typer.Option(help="For a channel key: the channel it may post for")] = None,
    name: Annotated[str | None, typer.Option(help="Who or what uses it (recorded as the actor)")] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Make an API key and print it. It is shown this once: the store keeps only a hash."""
    from overture.domain.access import InvalidKeyRequest, parse_role
    from overture.services.access import create_key
    from overture.services.errors import InvalidRequest

    try:
        parsed = parse_role(role)
    except InvalidKeyRequest as error:
        raise typer.BadParameter(error.reason, param_hint="--role") from None
    container = open_store(home, database_url)
    try:
        made = create_key(container.uow, container.clock, role=parsed, name=name, channel=channel, actor=cli_actor())
    except InvalidRequest as error:
        raise typer.BadParameter(error.error.reason, param_hint=f"--{error.error.field}") from None
    finally:
        container.close()
    typer.echo(
        f"{made.key.id} ({made.key.role.value}{', ' + made.key.channel if made.key.channel else ''}) "
        f"named {made.key.name!r}; keep this key, it is not shown again:"
    )
    typer.echo(made.token)


@app.command("list")
def keys_list(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Every key: id, name, role, channel, dates. Never a secret."""
    from overture.services.access import list_keys

    container = open_store(home, database_url)
    try:
        keys = list_keys(container.uow)
    finally:
        container.close()
    # One tab-separated line per key (a table would cut ids in a narrow terminal; this also pipes well).
    typer.echo("\t".join(("id", "name", "role", "channel", "starts with", "created", "last used", "revoked")))
    for key in keys:
        stamps = [
            d.isoformat(timespec="seconds") if d else "-" for d in (key.created_at, key.last_used_at, key.revoked_at)
        ]
        typer.echo(
            "\t".join((key.id, key.name, key.role.value, key.channel or "-", f"ovt_{key.id}_{key.prefix}", *stamps))
        )


@app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_...)")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Revoke a key at once: its requests and dashboard sessions get 401 from now on."""
    from overture.services.access import revoke_key
    from overture.services.errors import NotFound

    container = open_store(home, database_url)
    try:
        key = revoke_key(container.uow, container.clock, key_id, actor=cli_actor())
    except NotFound as missing:
        typer.echo(str(missing), err=True)
        raise typer.Exit(1) from None
    finally:
        container.close()
    typer.echo(f"{key.id} ({key.name}) revoked")
