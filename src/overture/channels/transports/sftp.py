"""Polling a partner's SFTP server: its inbox's X12 files received as the drop folder's are, answered in its outbox.

One pass connects (the server's host key checked against ``known_hosts``), lists the inbox, and for
each regular file, oldest name first:

1. downloads it and hashes it; a file of the same name and content taken before is not received
   again, only moved aside (a partner re-uploading what we took, or our crash before the move);
2. gives it to ``receive_x12``, which keeps it raw before reading it, with the transport's receipt
   (host, path, file name, SHA-256) on the inbound message;
3. writes the 997 / 999, the TA1 when due, and the 855s to the outbox (as ``.part`` first, renamed
   when whole, so the partner never picks up half a file), records the file as taken, and moves it to ``processed/``;
4. a file the intake quarantined (not X12, unknown partner) moves to ``failed/``; one that failed
   for a reason that may pass (the store) stays in the inbox for the next pass.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime

import asyncssh

from overture.channels.x12.dropfolder import answers
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.channels.x12.writer import Sender
from overture.services.errors import PayloadRejected
from overture.services.ports import Clock, Geocoder, InboundMessage, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only

log = logging.getLogger(__name__)
IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".filepart")
PROCESSED, FAILED = "processed", "failed"


@dataclass(frozen=True, slots=True)
class SftpEndpoint:
    """A partner's SFTP server and its folders. ``known_hosts`` is required: a poller that trusted any
    host key would hand partners' orders, and our answers, to whoever answers on that address."""

    partner_id: str
    host: str
    username: str
    known_hosts: str
    port: int = 22
    client_keys: tuple[str, ...] = ()
    password: str | None = None
    inbox: str = "inbox"
    outbox: str = "outbox"
    processed: str = "inbox/processed"
    failed: str = "inbox/failed"


@dataclass(frozen=True, slots=True)
class SftpOutcome:
    name: str
    status: str  # processed | failed | skipped | retry
    detail: str


@dataclass(frozen=True, slots=True)
class _Intake:
    uow_factory: UnitOfWorkFactory
    geocoder: Geocoder
    clock: Clock
    sender: Sender


async def poll(
    endpoint: SftpEndpoint, *, uow_factory: UnitOfWorkFactory, geocoder: Geocoder, clock: Clock, sender: Sender
) -> list[SftpOutcome]:
    """One pass over the partner's inbox."""
    intake = _Intake(uow_factory, geocoder, clock, sender)
    async with (
        asyncssh.connect(
            endpoint.host,
            port=endpoint.port,
            username=endpoint.username,
            password=endpoint.password,
            client_keys=list(endpoint.client_keys) or None,
            known_hosts=endpoint.known_hosts,
        ) as connection,
        connection.start_sftp_client() as sftp,
    ):
        for folder in (endpoint.processed, endpoint.failed, endpoint.outbox):
            await sftp.makedirs(folder, exist_ok=True)
        names = sorted(
            entry.filename
            for entry in await sftp.readdir(endpoint.inbox)
            if isinstance(entry.filename, str) and _ready(entry)
        )
        return [await _take(sftp, endpoint, name, intake) for name in names]


def poll_every(
    endpoint: SftpEndpoint,
    *,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
    sender: Sender,
    interval_s: float = 60.0,
    passes: int | None = None,
) -> None:
    """Poll every ``interval_s`` seconds, forever or for ``passes`` passes; a pass that cannot connect
    is logged and the next one tries again."""
    done = 0
    while passes is None or done < passes:
        try:
            outcomes = asyncio.run(
                poll(endpoint, uow_factory=uow_factory, geocoder=geocoder, clock=clock, sender=sender)
            )
        except (OSError, asyncssh.Error) as error:
            log.warning("SFTP %s@%s: %s", endpoint.username, endpoint.host, error)
            outcomes = []
        for outcome in outcomes:
            log.info("%s: %s (%s)", outcome.name, outcome.status, outcome.detail)
        done += 1
        if passes is None or done < passes:
            time.sleep(interval_s)


def _ready(entry: asyncssh.SFTPName) -> bool:
    name = str(entry.filename)
    regular = entry.attrs.type == asyncssh.FILEXFER_TYPE_REGULAR
    return regular and not name.startswith(".") and not name.endswith(IN_PROGRESS_SUFFIXES)


async def _take(sftp: asyncssh.SFTPClient, endpoint: SftpEndpoint, name: str, intake: _Intake) -> SftpOutcome:
    path = f"{endpoint.inbox}/{name}"
    async with sftp.open(path, "rb") as file:
        data = await file.read()
    body = data if isinstance(data, bytes) else data.encode()  # "rb" gives bytes; asyncssh types it AnyStr
    digest = hashlib.sha256(body).hexdigest()
    seen = await asyncio.to_thread(
        read_only, intake.uow_factory, lambda uow: uow.sftp_files.status(endpoint.partner_id, name, digest)
    )
    if seen is not None:
        await _move(sftp, path, endpoint.processed if seen == PROCESSED else endpoint.failed, name)
        return SftpOutcome(name, "skipped", f"taken before ({seen}), moved aside")
    receipt = {"transport": "sftp", "sftp_host": endpoint.host, "sftp_path": path, "sftp_file": name}
    message = InboundMessage(
        "edi", body, intake.clock(), "application/edi-x12", {"x-filename": name}, transport=receipt | {"sha256": digest}
    )
    try:
        answer = await asyncio.to_thread(
            receive_x12, intake.uow_factory, message, geocoder=intake.geocoder, clock=intake.clock, us=intake.sender
        )
    except PayloadRejected as rejected:
        await _remember(endpoint, name, digest, path, rejected.message_id, FAILED, intake)
        await _move(sftp, path, endpoint.failed, name)
        return SftpOutcome(name, FAILED, "; ".join(e.reason for e in rejected.errors))
    except Exception as error:  # the store: the file stays in the inbox and is tried again
        log.warning("could not process %s; will retry", path, exc_info=True)
        return SftpOutcome(name, "retry", f"{type(error).__name__}: {error}")
    await _answer(sftp, endpoint, name, answer)
    await _remember(endpoint, name, digest, path, answer.message_id, PROCESSED, intake)
    await _move(sftp, path, endpoint.processed, name)
    orders = [t.order_id for t in answer.transactions if t.order_id]
    return SftpOutcome(name, PROCESSED, f"message {answer.message_id}, orders {', '.join(orders) or 'none'}")


async def _answer(sftp: asyncssh.SFTPClient, endpoint: SftpEndpoint, name: str, receipt: EdiReceipt) -> None:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    for file_name, text in answers(stem, receipt):
        target = await _free_name(sftp, endpoint.outbox, file_name)
        async with sftp.open(f"{target}.part", "wb") as file:
            await file.write(text.encode())
        await sftp.rename(f"{target}.part", target)


async def _remember(
    endpoint: SftpEndpoint, name: str, digest: str, path: str, message_id: str, status: str, intake: _Intake
) -> None:
    at: datetime = intake.clock()

    def work(uow: UnitOfWork) -> None:
        uow.sftp_files.add(
            partner_id=endpoint.partner_id, name=name, sha256=digest, host=endpoint.host, path=path,
            message_id=message_id, status=status, at=at,
        )  # fmt: skip

    await asyncio.to_thread(in_transaction, intake.uow_factory, work)


async def _move(sftp: asyncssh.SFTPClient, path: str, folder: str, name: str) -> None:
    await sftp.rename(path, await _free_name(sftp, folder, name))


async def _free_name(sftp: asyncssh.SFTPClient, folder: str, name: str) -> str:
    """``folder/name``, or ``name.1``, ``name.2``...: a partner may send the same file name twice."""
    candidate, n = f"{folder}/{name}", 0
    while await sftp.exists(candidate):
        n += 1
        candidate = f"{folder}/{name}.{n}"
    return candidate
