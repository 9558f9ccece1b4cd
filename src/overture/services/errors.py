"""Errors raised by the use cases, mapped to HTTP statuses by the API.

::

    ServiceError
     +-- PayloadRejected        inbound message could not be parsed (kept in quarantine)
     |    +-- OrderRejected     it parsed, but a governance rule configured to reject refused it
     +-- IdempotencyConflict    same Idempotency-Key, different request
     +-- DuplicateOrder         channel + external id already captured under another key
     +-- NotFound               no such order / SKU / location
     +-- AlreadyExists          a create found the record there already
     +-- InvalidRequest         a well-formed request breaks a rule (field + reason)
 +-- EngineUnavailable      no workflow engine connected
 +-- WorkflowRefused        the order's workflow refused the request
     +-- StoreError             raised by store adapters
          +-- TransientStoreError  lock timeout, deadlock, serialization failure: retry
          +-- ConflictError        a unique key was taken by a concurrent writer: retry
          +-- StockChanged         a conditional reservation found less than it read: retry
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    MALFORMED_JSON = "malformed_json"
    VALIDATION_FAILED = "validation_failed"
    REQUIRED = "required"
    WRONG_TYPE = "wrong_type"
    OUT_OF_RANGE = "out_of_range"
    INVALID_LENGTH = "invalid_length"
    INVALID_VALUE = "invalid_value"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_CURRENCY = "unknown_currency"
    INVALID_COUNTRY = "invalid_country"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    DUPLICATE_ORDER = "duplicate_order"
    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"
    INSUFFICIENT_STOCK = "insufficient_stock"
    INVENTORY_INVARIANT = "inventory_invariant"
    ENGINE_UNAVAILABLE = "engine_unavailable"
    REFUSED = "refused"
    REJECTED_BY_RULE = "rejected_by_rule"
    FORMULA_LIKE = "formula_like"  # a warning: text a spreadsheet would run as a formula
    INVALID_CHARACTER = "invalid_character"  # a character no store keeps in text (NUL)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: ErrorCode
    reason: str


class ServiceError(Exception):
    """Base of use-case errors."""


class PayloadError(ServiceError):
    """Raised by a channel translator; the capture handler turns it into PayloadRejected."""

    def __init__(self, kind: ErrorCode, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.kind = kind
        self.errors = errors


class PayloadRejected(ServiceError):
    def __init__(self, *, message_id: str, kind: ErrorCode, errors: list[FieldError]) -> None:
        super().__init__(f"message {message_id} quarantined: {kind}")
        self.message_id = message_id
        self.kind = kind
        self.errors = errors


@dataclass(frozen=True, slots=True)
class RuleRejection:
    """A governance rule that refused the order, and the configuration that made it refuse."""

    rule: str
    reason: str
    rule_set: str
    version: int


class OrderRejected(PayloadRejected):
    """Refused by governance: every channel treats it as any rejected message (kept in quarantine,
    reported to the sender), and the API adds which rules refused it."""

    def __init__(self, *, message_id: str, rejections: list[RuleRejection]) -> None:
        # The rule-set version goes into the reason too: the quarantine keeps only these errors.
        errors = [
            FieldError(r.rule, ErrorCode.REJECTED_BY_RULE, f"{r.reason} (rule set {r.rule_set} v{r.version})")
            for r in rejections
        ]
        super().__init__(message_id=message_id, kind=ErrorCode.REJECTED_BY_RULE, errors=errors)
        self.rejections = rejections


class IdempotencyConflict(ServiceError):
    """The key was used before, in this channel, for another request. ``order_id`` (that request's order)
    is for the hub's own records only: the message leaves it out, since whoever reused the key may not be
    whoever placed that order."""

    def __init__(self, *, key: str, order_id: str, channel: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request on channel {channel!r}")
        self.key = key
        self.order_id = order_id
        self.channel = channel


class DuplicateOrder(ServiceError):
    def __init__(self, *, channel: str, external_id: str, order_id: str) -> None:
        super().__init__(f"order {external_id!r} from channel {channel!r} was already captured as {order_id}")
        self.order_id = order_id


class NotFound(ServiceError):
    pass


class AlreadyExists(ServiceError):
    pass


class InvalidRequest(ServiceError):
    def __init__(self, field_name: str, reason: str, code: ErrorCode = ErrorCode.INVALID_VALUE) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.error = FieldError(field_name, code, reason)


class EngineUnavailable(ServiceError):
    """The workflow engine is not connected (the API runs without a worker)."""


class WorkflowRefused(ServiceError):
    """The order's workflow refused a request (an action not allowed now, or no running workflow)."""


class ActionRefused(ServiceError):
    """A step not allowed in the state things are in (an edit after release, a return already settled,
    a refund beyond what was captured): answered with 409 and the reason."""


class StoreError(ServiceError):
    pass


class TransientStoreError(StoreError):
    pass


class ConflictError(StoreError):
    pass


class StockChanged(StoreError):
    pass
