"""Importing a partner's CSV order file: keep it, read it, capture its orders.

1. The file is stored raw before it is read, so nothing a partner sent is lost.
2. It is read with the partner's CSV profile (``channels.csv_intake``); every bad row is
   reported with its row number, column and reason.
3. An all-or-nothing partner's file with a bad row is refused whole: the file is quarantined
   with every row error and no order is captured. Otherwise each PO is captured on its own
   through the same capture as every other channel, its rows (under the header) kept as its
   raw message; a PO with a bad row is quarantined with those rows and the reasons, for a
   person to find in ``GET /v1/quarantine``. A PO captured before (same partner, same PO
   number) is reported with the order it became, not doubled.

A file from a partner with no trading-partner or CSV profile raises ``PayloadRejected`` (the
file is quarantined); one that cannot be read as CSV at all is refused whole like above.

Values a spreadsheet would run as formulas are taken as text and come back as ``warnings``
(``formula_like``, with their row and column), also kept on the file's stored message.

:class:`CsvImporter` is the one entry point: ``POST /v1/channels/csv`` and ``overture import csv``
both hand it the bytes they received and only translate its result for HTTP or a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from overture.channels.csv_intake import CHANNEL, CsvFile, CsvOrder, RowError, order_rows_csv, read_orders
from overture.domain.commands import PlaceOrder
from overture.domain.csv_profiles import CsvProfile
from overture.domain.partners import PartnerProfile
from overture.services.capture import capture_order
from overture.services.csv_profiles import CsvProfilesIn
from overture.services.errors import DuplicateOrder, ErrorCode, FieldError, PayloadError, PayloadRejected
from overture.services.ports import Clock, Geocoder, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only

REJECTED = "rejected"  # the outcome of a PO that became no order
Progress = Callable[[int, int], None]  # (rows done, rows in the file)


class Refusal(StrEnum):
    """Why a whole file was refused (nothing in it captured)."""

    UNREADABLE = "unreadable"  # not text in the profile's encoding, not CSV, a mapped column missing, no rows
    ALL_OR_NOTHING = "all_or_nothing"  # the partner wants all orders or none, and a row is bad


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    po_number: str
    rows: tuple[int, ...]
    status: str  # the order's status (routed, on_hold, ...), or "rejected"
    order_id: str | None = None
    duplicate: bool = False  # captured before, from an earlier file: nothing new was made
    message_id: str | None = None  # where a rejected PO's rows wait in quarantine


@dataclass(frozen=True, slots=True)
class CsvImport:
    message_id: str  # the whole file, as received
    partner_id: str
    all_or_nothing: bool
    row_count: int
    refusal: Refusal | None  # set when the file was refused whole: no order was captured
    orders: tuple[OrderOutcome, ...]
    errors: tuple[RowError, ...]
    warnings: tuple[RowError, ...] = ()  # values taken as they are, worth a person's look (formula_like)

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    @property
    def complete(self) -> bool:
        """Every row is in an order (made now or by an earlier file)."""
        return not self.refused and not self.errors

    def summary(self) -> list[str]:
        """One line for the file, then one per row error: for a person at a terminal or in a log."""
        created = [o for o in self.orders if o.order_id and not o.duplicate]
        on_hold = sum(1 for o in created if o.status == "on_hold")
        duplicates = sum(1 for o in self.orders if o.duplicate)
        rejected = sum(1 for o in self.orders if o.status == REJECTED)
        head = f"{self.row_count} rows from {self.partner_id}: "
        if self.refused:
            head += f"refused, nothing imported ({len(self.errors)} problems)"
        else:
            head += (
                f"{len(self.orders)} orders: {len(created)} imported ({on_hold} on hold), "
                f"{duplicates} already imported, {rejected} rejected"
            )
        return [head, *(_error_line(e) for e in self.errors), *(f"warning: {_error_line(w)}" for w in self.warnings)]


@dataclass(frozen=True, slots=True)
class CsvImporter:
    """Imports the CSV files partners send, however they arrive (an HTTP post, a file on disk)."""

    uow_factory: UnitOfWorkFactory
    geocoder: Geocoder
    clock: Clock
    csv_profiles: CsvProfilesIn

    def receive(
        self,
        body: bytes,
        partner_id: str,
        *,
        content_type: str = "text/csv",
        headers: Mapping[str, str] | None = None,
        progress: Progress | None = None,
    ) -> CsvImport:
        """Keep the file as received (with ``headers`` worth keeping) and import it; see the module docstring."""
        message = InboundMessage(CHANNEL, body, self.clock(), content_type, dict(headers or {}))
        return import_csv(
            message,
            partner_id,
            csv_profiles=self.csv_profiles,
            uow_factory=self.uow_factory,
            geocoder=self.geocoder,
            clock=self.clock,
            progress=progress,
        )


def import_csv(
    message: InboundMessage,
    partner_id: str,
    *,
    csv_profiles: CsvProfilesIn,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
    progress: Progress | None = None,
) -> CsvImport:
    """Import one CSV file from ``partner_id``; see the module docstring. ``progress(rows done, rows)`` is
    told after each order is captured (a big file takes a while: the command line shows a bar)."""
    message = replace(message, headers={**message.headers, "x-csv-partner": partner_id})
    message_id = in_transaction(uow_factory, lambda uow: uow.messages.add(message))
    partner, profile = _profiles(uow_factory, message_id, partner_id, csv_profiles)
    csv_file = read_orders(message.body, profile, partner)
    errors, warnings = csv_file.errors, csv_file.warnings
    refusal = _refusal(csv_file, profile)
    outcome = CsvImport(
        message_id, partner_id, profile.all_or_nothing, csv_file.row_count, refusal, (), tuple(errors), tuple(warnings)
    )
    if refusal is not None:
        _settle(uow_factory, message_id, MessageStatus.QUARANTINED, errors, warnings=warnings)
        return outcome
    captured = []
    rows_done = 0
    for order in csv_file.orders:
        captured.append(
            _capture(
                csv_file, order, profile, message, message_id, uow_factory=uow_factory, geocoder=geocoder, clock=clock
            )
        )
        rows_done += len(order.rows)
        if progress is not None:
            progress(rows_done, csv_file.row_count)
    # Capture can still refuse an order the rows described well; those reasons join the row errors.
    errors = sorted([*errors, *(e for _, late in captured for e in late)], key=lambda e: (e.row, e.column))
    _settle(uow_factory, message_id, MessageStatus.ACCEPTED, errors, warnings=warnings)
    return replace(outcome, orders=tuple(o for o, _ in captured), errors=tuple(errors))


def _refusal(csv_file: CsvFile, profile: CsvProfile) -> Refusal | None:
    if csv_file.file_errors:
        return Refusal.UNREADABLE
    if profile.all_or_nothing and csv_file.errors:
        return Refusal.ALL_OR_NOTHING
    return None


def _profiles(
    uow_factory: UnitOfWorkFactory, message_id: str, partner_id: str, csv_profiles: CsvProfilesIn
) -> tuple[PartnerProfile, CsvProfile]:
    partner, profile = read_only(
        uow_factory, lambda uow: (uow.partners.get(partner_id), csv_profiles(uow).get(partner_id))
    )
    if partner is not None and profile is not None:
        return partner, profile
    if partner is None:
        reason = f"no trading partner {partner_id!r}"
    else:
        reason = f"trading partner {partner_id!r} has no CSV profile (PUT /v1/partners/{partner_id}/csv)"
    error = FieldError("partner", ErrorCode.NOT_FOUND, reason)
    _settle(uow_factory, message_id, MessageStatus.QUARANTINED, [error], kind=ErrorCode.NOT_FOUND)
    raise PayloadRejected(message_id=message_id, kind=ErrorCode.NOT_FOUND, errors=[error])


def _capture(
    csv_file: CsvFile,
    order: CsvOrder,
    profile: CsvProfile,
    message: InboundMessage,
    file_message_id: str,
    *,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
) -> tuple[OrderOutcome, list[RowError]]:
    """Capture one PO (or quarantine it with its row errors); the outcome and any errors capture added."""
    headers = {"x-csv-file": file_message_id, "x-csv-rows": ",".join(map(str, order.rows))}
    raw = InboundMessage(CHANNEL, order_rows_csv(csv_file, order, profile), message.received_at, "text/csv", headers)
    base = OrderOutcome(order.po_number, order.rows, REJECTED)
    try:
        result = capture_order(
            raw, _translator(order), idempotency_key=None, uow_factory=uow_factory, geocoder=geocoder, clock=clock
        )
    except DuplicateOrder as duplicate:
        status = _status_of(uow_factory, duplicate.order_id)
        return replace(base, status=status, order_id=duplicate.order_id, duplicate=True), []
    except PayloadRejected as rejected:
        late = [] if order.errors else [_capture_error(order, e) for e in rejected.errors]
        return replace(base, message_id=rejected.message_id), late
    return replace(base, status=result.order.status, order_id=result.order.id), []


def _translator(order: CsvOrder) -> Callable[[bytes], PlaceOrder]:
    def translate(_: bytes) -> PlaceOrder:
        # Read already, with the row numbers of the whole file (the order's own rows would renumber them).
        if order.command is None:
            raise PayloadError(ErrorCode.VALIDATION_FAILED, [e.as_field_error() for e in order.errors])
        return order.command

    return translate


def _capture_error(order: CsvOrder, error: FieldError) -> RowError:
    return RowError(order.rows[0], "", error.code, f"{error.field}: {error.reason}")


def _status_of(uow_factory: UnitOfWorkFactory, order_id: str) -> str:
    summary = read_only(uow_factory, lambda uow: uow.orders.summary(order_id))
    return summary.status if summary is not None else "unknown"


def _settle(
    uow_factory: UnitOfWorkFactory,
    message_id: str,
    status: MessageStatus,
    errors: list[RowError] | list[FieldError],
    *,
    kind: ErrorCode = ErrorCode.VALIDATION_FAILED,
    warnings: list[RowError] | None = None,
) -> None:
    fields = [e.as_field_error() if isinstance(e, RowError) else e for e in errors]
    reason = kind.value if fields else None
    # Warnings are kept with the errors (each has its own code), so the stored file says what was flagged.
    noted = fields + [w.as_field_error() for w in warnings or ()]

    def work(uow: UnitOfWork) -> None:
        uow.messages.settle(message_id, status, reason=reason, errors=noted)

    in_transaction(uow_factory, work)


def _error_line(error: RowError) -> str:
    where = f"row {error.row}" + (f", {error.column}" if error.column else "")
    return f"{where}: {error.reason} ({error.code.value})"
