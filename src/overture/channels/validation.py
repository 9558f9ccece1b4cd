"""Turn pydantic validation errors into field errors with Overture's stable codes."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from overture.services.errors import ErrorCode, FieldError, PayloadError

M = TypeVar("M", bound=BaseModel)

_BY_PYDANTIC_TYPE: dict[str, ErrorCode] = {
    "missing": ErrorCode.REQUIRED,
    "extra_forbidden": ErrorCode.UNKNOWN_FIELD,
    "greater_than": ErrorCode.OUT_OF_RANGE,
    "greater_than_equal": ErrorCode.OUT_OF_RANGE,
    "less_than": ErrorCode.OUT_OF_RANGE,
    "less_than_equal": ErrorCode.OUT_OF_RANGE,
    "finite_number": ErrorCode.OUT_OF_RANGE,
    "string_too_short": ErrorCode.INVALID_LENGTH,
    "string_too_long": ErrorCode.INVALID_LENGTH,
    "too_short": ErrorCode.INVALID_LENGTH,
    "too_long": ErrorCode.INVALID_LENGTH,
    "json_invalid": ErrorCode.MALFORMED_JSON,
    "unknown_currency": ErrorCode.UNKNOWN_CURRENCY,
    "invalid_country": ErrorCode.INVALID_COUNTRY,
}


def error_code(pydantic_type: str) -> ErrorCode:
    if pydantic_type in _BY_PYDANTIC_TYPE:
        return _BY_PYDANTIC_TYPE[pydantic_type]
    if pydantic_type.endswith(("_type", "_parsing")) or pydantic_type.startswith("decimal_"):
        return ErrorCode.WRONG_TYPE
    return ErrorCode.INVALID_VALUE


def field_path(location: tuple[int | str, ...]) -> str:
    """``('lines', 0, 'quantity')`` -> ``lines[0].quantity``."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def field_errors(error: ValidationError) -> list[FieldError]:
    return [FieldError(field_path(tuple(e["loc"])), error_code(e["type"]), e["msg"]) for e in error.errors()]


def parse_json(model: type[M], body: bytes) -> M:
    """Raw JSON bytes -> the channel's model, or PayloadError naming each bad field."""
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        errors = field_errors(error)
        malformed = any(e.code is ErrorCode.MALFORMED_JSON for e in errors)
        raise PayloadError(ErrorCode.MALFORMED_JSON if malformed else ErrorCode.VALIDATION_FAILED, errors) from None


def _iso_country(value: str) -> str:
    if len(value) != 2 or not value.isalpha() or not value.isascii():
        raise PydanticCustomError("invalid_country", "must be an ISO 3166-1 alpha-2 country code, like US")
    return value


# What every channel's address model accepts for these two, whatever the field is called there.
CountryCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True), AfterValidator(_iso_country)]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
