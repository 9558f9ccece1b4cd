"""Bulk import of trading partners and their address books from CSV, all or nothing.

Two files, each with a header row (columns in any order; unknown columns are refused so a typo is
not silently dropped):

- partners: ``partner_id, name`` and any of ``isa_qualifier, isa_id, gs_id, version, element,
  component, segment, strict, sends, wants_855, wants_856, wants_810, ack_window_hours, currency``.
  A partner already on file keeps what the file does not mention (cross-references, prices).
- addresses: ``partner_id, scheme, code`` and any of ``name, line1, line2, city, region,
  postal_code, country, location_id``. ``scheme`` is gln, duns, duns4, buyer, seller, or a
  standard's qualifier (``92``, ``UL``, ``x12:ZZ``, ``edifact:9``): see domain/address_book.py.

Every row is checked before anything is written; the error names the row (counted from the
header, 1) and the column, as any other bad input does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from overture.domain.address_book import PartnerAddress, PartyId, parse_scheme
from overture.domain.digits import is_digits
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.errors import ErrorCode, FieldError, PayloadError
from overture.services.partners import put_partner
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only

PARTNER_COLUMNS = frozenset(
    {
        "partner_id",
        "name",
        "isa_qualifier",
        "isa_id",
        "gs_id",
        "version",
        "element",
        "component",
        "segment",
        "strict",
        "sends",
        "wants_855",
        "wants_856",
        "wants_810",
        "ack_window_hours",
        "currency",
    }
)
ADDRESS_COLUMNS = frozenset(
    {
        "partner_id",
        "scheme",
        "code",
        "name",
        "line1",
        "line2",
        "city",
        "region",
        "postal_code",
        "country",
        "location_id",
    }
)
_TRUE, _FALSE = frozenset({"1", "true", "yes", "y"}), frozenset({"0", "false", "no", "n", ""})


@dataclass(frozen=True, slots=True)
class Imported:
    created: int
    updated: int


def import_partners(uow_factory: UnitOfWorkFactory, text: str, *, clock: Clock, actor: str) -> Imported:
    rows = _rows(text, PARTNER_COLUMNS, ("partner_id", "name"))
    known = {p.partner_id: p for p in read_only(uow_factory, lambda uow: uow.partners.all())}
    profiles = _checked(rows, lambda row: _profile(row, known.get(row.get("partner_id", ""))))
    created = sum(put_partner(uow_factory, p, clock=clock, actor=actor) for p in profiles)
    return Imported(created, len(profiles) - created)


def import_addresses(uow_factory: UnitOfWorkFactory, text: str, *, clock: Clock) -> Imported:
    rows = _rows(text, ADDRESS_COLUMNS, ("partner_id", "scheme", "code"))
    partners = {p.partner_id for p in read_only(uow_factory, lambda uow: uow.partners.all())}
    entries = _checked(rows, lambda row: _address(row, partners))

    def work(uow: UnitOfWork) -> int:
        at = clock()
        return sum(uow.partners.put_address(entry, at) for entry in entries)

    created = in_transaction(uow_factory, work)
    return Imported(created, len(entries) - created)


def _rows(text: str, allowed: frozenset[str], required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows with their line numbers (the header is line 1); blank lines are skipped."""
    try:  # newline="": the csv module sees CR, LF and CRLF itself, inside quoted values too
        lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    except csv.Error as error:
        unreadable = FieldError("body", ErrorCode.WRONG_TYPE, f"not CSV: {error}")
        raise PayloadError(ErrorCode.VALIDATION_FAILED, [unreadable]) from None
    header = [h.strip().lower() for h in (lines[0] if lines else [])]
    problems = [
        FieldError(f"header.{h}", ErrorCode.UNKNOWN_FIELD, f"{h!r} is not a column") for h in header if h not in allowed
    ]
    problems += [
        FieldError(f"header.{c}", ErrorCode.REQUIRED, f"the {c} column is required")
        for c in required
        if c not in header
    ]
    for n, values in enumerate(lines[1:], start=2):
        if len(values) > len(header):
            problems.append(
                FieldError(f"row {n}", ErrorCode.INVALID_LENGTH, f"{len(values)} values for {len(header)} columns")
            )
    if problems:
        raise PayloadError(ErrorCode.VALIDATION_FAILED, problems)
    rows = [
        (n, dict(zip(header, (v.strip() for v in values), strict=False)))
        for n, values in enumerate(lines[1:], start=2)
        if any(values)
    ]
    if not rows:
        raise PayloadError(
            ErrorCode.VALIDATION_FAILED, [FieldError("rows", ErrorCode.REQUIRED, "the file has no rows")]
        )
    return rows


def _checked(rows: list[tuple[int, dict[str, str]]], build: Callable[[dict[str, str]], Any]) -> list[Any]:
    built, problems = [], []
    for n, row in rows:
        try:
            built.append(build(row))
        except _RowError as error:
            problems.append(FieldError(f"row {n}.{error.column}", error.code, error.reason))
    if problems:
        raise PayloadError(ErrorCode.VALIDATION_FAILED, problems)
    return built


class _RowError(Exception):
    def __init__(self, column: str, code: ErrorCode, reason: str) -> None:
        super().__init__(reason)
        self.column, self.code, self.reason = column, code, reason


def _need(row: dict[str, str], column: str) -> str:
    if not row.get(column):
        raise _RowError(column, ErrorCode.REQUIRED, f"{column} is empty")
    return row[column]


def _flag(row: dict[str, str], column: str, default: bool) -> bool:
    value = row.get(column, "").lower()
    if column not in row or value == "":
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _RowError(column, ErrorCode.INVALID_VALUE, f"{row[column]!r} is not yes or no")


def _profile(row: dict[str, str], known: PartnerProfile | None) -> PartnerProfile:
    partner_id, name = _need(row, "partner_id"), _need(row, "name")
    base = known or PartnerProfile(partner_id=partner_id)
    x12 = base.x12
    if row.get("isa_id"):
        qualifier = row.get("isa_qualifier") or "ZZ"
        if len(qualifier) != 2:
            raise _RowError("isa_qualifier", ErrorCode.INVALID_LENGTH, "an ISA qualifier is 2 characters (ISA05/07)")
        if len(row["isa_id"]) > 15:
            raise _RowError("isa_id", ErrorCode.INVALID_LENGTH, "an ISA id is at most 15 characters (ISA06/08)")
        x12 = X12Identity(qualifier, row["isa_id"], row.get("gs_id", ""))
    version = row.get("version") or base.x12_version
    if not (len(version) >= 6 and is_digits(version[:6])):
        raise _RowError("version", ErrorCode.INVALID_VALUE, f"{version!r} is not an X12 version such as 004010")
    delimiters = tuple(
        row.get(c) or d for c, d in zip(("element", "component", "segment"), base.delimiters, strict=True)
    )
    if any(len(d) != 1 for d in delimiters) or len(set(delimiters)) != 3:
        raise _RowError("element", ErrorCode.INVALID_VALUE, "the three delimiters must be single, different characters")
    window = row.get("ack_window_hours") or str(base.ack_window_hours)
    if not is_digits(window) or int(window) < 1:
        raise _RowError("ack_window_hours", ErrorCode.OUT_OF_RANGE, f"{window!r} is not a whole number of hours >= 1")
    sends = tuple(s for s in row.get("sends", "").replace(";", " ").split() if s) or base.sends
    return replace(
        base,
        partner_id=partner_id,
        name=name,
        x12=x12,
        x12_version=version,
        delimiters=(delimiters[0], delimiters[1], delimiters[2]),
        strict=_flag(row, "strict", base.strict),
        sends=sends,
        wants_855=_flag(row, "wants_855", base.wants_855),
        wants_856=_flag(row, "wants_856", base.wants_856),
        wants_810=_flag(row, "wants_810", base.wants_810),
        ack_window_hours=int(window),
        currency=(row.get("currency") or base.currency).upper(),
    )


def _address(row: dict[str, str], partners: set[str]) -> PartnerAddress:
    partner_id = _need(row, "partner_id")
    if partner_id not in partners:
        raise _RowError("partner_id", ErrorCode.NOT_FOUND, f"no trading partner {partner_id!r}")
    try:
        scheme = parse_scheme(_need(row, "scheme"))
    except ValueError as error:
        raise _RowError("scheme", ErrorCode.INVALID_VALUE, str(error)) from None
    code = _need(row, "code")
    if scheme == "gln" and not (len(code) == 13 and is_digits(code)):
        raise _RowError("code", ErrorCode.INVALID_VALUE, f"a GLN is 13 digits, not {code!r}")
    country = row.get("country", "").upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise _RowError("country", ErrorCode.INVALID_COUNTRY, f"{country!r} is not an ISO 3166-1 alpha-2 code")
    fields = {f: row.get(f, "") for f in ("name", "line1", "line2", "city", "region", "postal_code", "location_id")}
    return PartnerAddress(partner_id, PartyId(scheme, code), country=country, **fields)
