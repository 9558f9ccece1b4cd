"""``overture edi watch DIR``: partners' files dropped in a folder, processed as POST /v1/channels/edi is.

Each file is read, kept as an inbound message, acknowledged and its 850s captured; then it moves
to ``processed/``, and the 997 / 999 (a TA1 too when due) and 855s we answer with are written to
``outbound/`` for the transport to pick up. A file that cannot be processed (not X12, unknown partner) moves to
``failed/`` with a ``.error.json`` beside it saying why. A file that failed for a reason that may
pass (the store was busy) stays where it is and is tried again on the next pass. Files still
being written (hidden, or ending ``.part`` / ``.tmp``) are left alone.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.channels.x12.writer import Sender
from overture.services.errors import PayloadRejected
from overture.services.ports import Clock, Geocoder, InboundMessage, UnitOfWorkFactory

log = logging.getLogger(__name__)
IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".filepart")


@dataclass(frozen=True, slots=True)
class FileOutcome:
    name: str
    status: str  # processed | failed | retry
    detail: str


def process_folder(
    folder: Path, *, uow_factory: UnitOfWorkFactory, geocoder: Geocoder, clock: Clock, sender: Sender
) -> list[FileOutcome]:
    """One pass over the folder, oldest file first."""
    for sub in ("processed", "failed", "outbound"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return [
        _process(path, folder, uow_factory=uow_factory, geocoder=geocoder, clock=clock, sender=sender)
        for path in sorted(_ready_files(folder), key=lambda p: (p.stat().st_mtime, p.name))
    ]


def watch(
    folder: Path,
    *,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
    sender: Sender,
    interval_s: float = 2.0,
    passes: int | None = None,
) -> None:
    """Process the folder every ``interval_s`` seconds, forever or for ``passes`` passes."""
    done = 0
    while passes is None or done < passes:
        for outcome in process_folder(folder, uow_factory=uow_factory, geocoder=geocoder, clock=clock, sender=sender):
            log.info("%s: %s (%s)", outcome.name, outcome.status, outcome.detail)
        done += 1
        if passes is None or done < passes:
            time.sleep(interval_s)


def _ready_files(folder: Path) -> list[Path]:
    return [
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(IN_PROGRESS_SUFFIXES)
    ]


def _process(
    path: Path, folder: Path, *, uow_factory: UnitOfWorkFactory, geocoder: Geocoder, clock: Clock, sender: Sender
) -> FileOutcome:
    message = InboundMessage("edi", path.read_bytes(), clock(), "application/edi-x12", {"x-filename": path.name})
    try:
        receipt = receive_x12(uow_factory, message, geocoder=geocoder, clock=clock, us=sender)
    except PayloadRejected as rejected:
        errors = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in rejected.errors]
        report = {"file": path.name, "message_id": rejected.message_id, "errors": errors}
        (folder / "failed" / f"{path.name}.error.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
        shutil.move(path, _free_name(folder / "failed", path.name))
        return FileOutcome(path.name, "failed", "; ".join(e["reason"] for e in errors))
    except Exception as error:  # the store or the disk: the file stays and is tried again
        log.warning("could not process %s; will retry", path.name, exc_info=True)
        return FileOutcome(path.name, "retry", f"{type(error).__name__}: {error}")
    outbound = folder / "outbound"
    for name, text in answers(path.stem, receipt):
        (outbound / name).write_text(text)
    shutil.move(path, _free_name(folder / "processed", path.name))
    orders = [t.order_id for t in receipt.transactions if t.order_id]
    return FileOutcome(path.name, "processed", f"message {receipt.message_id}, orders {', '.join(orders) or 'none'}")


def answers(stem: str, receipt: EdiReceipt) -> list[tuple[str, str]]:
    """(file name, X12) of what answers a file (``EdiReceipt.replies``): the functional acknowledgment
    under the name of its kind (``.997.edi``, ``.999.edi``, or ``.997-999.edi`` for a file holding
    groups of both versions), the TA1 (``.ta1.edi``) when there is one, the 855s and the 865s
    (``.855-1.edi``, ``.865-1.edi``, ...)."""
    named: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    for kind, text in receipt.replies():
        label = kind.replace("+", "-").lower()
        if kind in ("855", "865"):
            counts[kind] = counts.get(kind, 0) + 1
            label = f"{kind}-{counts[kind]}"
        named.append((f"{stem}.{label}.edi", text))
    return named


def _free_name(folder: Path, name: str) -> Path:
    """``name`` in ``folder``, or ``name.1``, ``name.2``...: a partner may send the same file name twice."""
    candidate, n = folder / name, 0
    while candidate.exists():
        n += 1
        candidate = folder / f"{name}.{n}"
    return candidate
