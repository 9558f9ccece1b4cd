"""Importing a POS batch file: keep it, read it, record each receipt.

1. The file is stored raw before it is read (channel ``pos``), so nothing a till sent is lost; one
   that cannot be read at all (not UTF-8, a required column missing, no rows) is quarantined whole
   and raises ``PayloadRejected``.
2. It is read by ``channels/pos.py``; rows group into receipts by store and receipt id.
3. Each receipt is recorded on its own (``services/pos.py``), its header and rows kept as its raw
   message: a receipt with a bad row, an unknown store or SKU is quarantined with every row, column
   and reason; a receipt recorded before (an earlier file, the same file sent again) is reported with
   the order it became and records nothing twice.

:func:`import_pos_batch` is the one entry point: ``POST /v1/channels/pos/batches`` and
``overture import pos`` both hand it the bytes they received.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from overture.channels.csv_intake import RowError
from overture.channels.pos import PosReceiptRows, read_batch
from overture.domain.pos import CHANNEL, RecordPosSale
from overture.services.errors import ErrorCode, FieldError, PayloadError, PayloadRejected
from overture.services.ports import Clock, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.pos import PosOutcome, record_pos_sale
from overture.services.retry import in_transaction

REJECTED = "rejected"
DUPLICATE = "duplicate"
_LINE_FIELD = re.compile(r"lines\[(\d+)\]\.(\w+)")
_COLUMN = {"location_id": "store"}


@dataclass(frozen=True, slots=True)
class ReceiptOutcome:
    location_id: str
    receipt_id: str
    rows: tuple[int, ...]
    status: str  # the order's status (completed, refunded), or "duplicate", or "rejected"
    order_id: str | None = None
    message_id: str | None = None  # the receipt's raw rows (in quarantine when rejected)
    errors: tuple[RowError, ...] = ()
    shortfalls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PosBatchImport:
    message_id: str  # the whole file, as received
    row_count: int
    receipts: tuple[ReceiptOutcome, ...]

    @property
    def errors(self) -> tuple[RowError, ...]:
        return tuple(e for r in self.receipts for e in r.errors)

    @property
    def complete(self) -> bool:
        """Every row is in a recorded receipt (recorded now or by an earlier file)."""
        return all(r.status != REJECTED for r in self.receipts)

    def summary(self) -> list[str]:
        made = sum(1 for r in self.receipts if r.status not in (REJECTED, DUPLICATE))
        again = sum(1 for r in self.receipts if r.status == DUPLICATE)
        bad = sum(1 for r in self.receipts if r.status == REJECTED)
        head = f"{self.row_count} rows, {len(self.receipts)} receipts: {made} recorded, {again} already recorded, "
        head += f"{bad} rejected"
        lines = [f"row {e.row}" + (f", {e.column}" if e.column else "") + f": {e.reason}" for e in self.errors]
        shorts = [f"stock count needed: {s}" for r in self.receipts for s in r.shortfalls]
        return [head, *lines, *shorts]


def import_pos_batch(
    uow_factory: UnitOfWorkFactory,
    body: bytes,
    *,
    clock: Clock,
    content_type: str = "text/csv",
    headers: Mapping[str, str] | None = None,
) -> PosBatchImport:
    """Keep the file as received and record its receipts; see the module docstring."""
    message = InboundMessage(CHANNEL, body, clock(), content_type, dict(headers or {}))
    file_id = in_transaction(uow_factory, lambda uow: uow.messages.add(message, status=MessageStatus.ACCEPTED))
    try:
        receipts = read_batch(body)
    except PayloadError as error:
        _settle(uow_factory, file_id, error)
        raise PayloadRejected(message_id=file_id, kind=error.kind, errors=error.errors) from None
    outcomes = tuple(_record(uow_factory, r, file_id, clock) for r in receipts)
    return PosBatchImport(file_id, sum(len(r.rows) for r in receipts), outcomes)


def _settle(uow_factory: UnitOfWorkFactory, file_id: str, error: PayloadError) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.messages.settle(file_id, MessageStatus.QUARANTINED, reason=error.kind.value, errors=error.errors)

    in_transaction(uow_factory, work)


def _record(uow_factory: UnitOfWorkFactory, receipt: PosReceiptRows, file_id: str, clock: Clock) -> ReceiptOutcome:
    rows = ",".join(str(n) for n in receipt.rows)
    headers = {"x-pos-batch": file_id, "x-pos-rows": rows}
    message = InboundMessage(CHANNEL, receipt.text.encode(), clock(), "text/csv", headers)

    def translate(_: bytes) -> RecordPosSale:
        if receipt.sale is None:
            raise PayloadError(ErrorCode.VALIDATION_FAILED, [e.as_field_error() for e in receipt.errors])
        return receipt.sale

    try:
        done: PosOutcome = record_pos_sale(uow_factory, message, translate, clock=clock)
    except PayloadRejected as rejected:
        errors = receipt.errors or tuple(_row_error(receipt, e) for e in rejected.errors)
        return _outcome(receipt, REJECTED, message_id=rejected.message_id, errors=errors)
    status = done.status if done.created else DUPLICATE
    return _outcome(receipt, status, order_id=done.order_id, message_id=done.message_id, shortfalls=done.shortfalls)


def _outcome(
    receipt: PosReceiptRows,
    status: str,
    *,
    order_id: str | None = None,
    message_id: str | None = None,
    errors: tuple[RowError, ...] = (),
    shortfalls: tuple[str, ...] = (),
) -> ReceiptOutcome:
    return ReceiptOutcome(
        receipt.location_id, receipt.receipt_id, receipt.rows, status, order_id, message_id, errors, shortfalls
    )


def _row_error(receipt: PosReceiptRows, error: FieldError) -> RowError:
    """A recording's field (``lines[1].sku``, ``location_id``) as the file's row and column: with no bad
    row, the receipt's lines are its rows in order."""
    found = _LINE_FIELD.fullmatch(error.field)
    if found is not None and int(found[1]) < len(receipt.rows):
        return RowError(receipt.rows[int(found[1])], found[2], error.code, error.reason)
    return RowError(receipt.rows[0], _COLUMN.get(error.field, error.field), error.code, error.reason)
