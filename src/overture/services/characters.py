"""Text a store cannot keep: the NUL character (U+0000).

PostgreSQL refuses NUL in ``text`` and ``jsonb`` alike, so an order holding one would fail at the
insert, after its raw message was written in the same transaction, and take that message down with
it. Orders are therefore checked once translated, whatever the channel: each field holding a NUL is
refused with ``invalid_character`` and the raw message (kept as bytes, which hold any byte) goes to
quarantine like any other refusal. SQLite would keep the character; both stores answer the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

from overture.services.errors import ErrorCode, FieldError, PayloadError

NUL = "\x00"
T = TypeVar("T")


def nul_fields(value: object, path: str = "") -> Iterator[str]:
    """The path of every string inside ``value`` (dataclasses, mappings, sequences) that holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path or "value"
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from nul_fields(getattr(value, item.name), f"{path}.{item.name}" if path else item.name)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield from nul_fields(key, name)
            yield from nul_fields(item, name)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from nul_fields(item, f"{path}[{index}]")


def nul_errors(value: object) -> list[FieldError]:
    reason = "holds a NUL character (U+0000), which no text field can keep"
    return [FieldError(name.replace(NUL, "\\0"), ErrorCode.INVALID_CHARACTER, reason) for name in nul_fields(value)]


def refusing_nul(translate: Callable[[bytes], T]) -> Callable[[bytes], T]:
    """``translate``, refusing (``PayloadError``) what it made when a text field holds a NUL."""

    def checked(body: bytes) -> T:
        result = translate(body)
        errors = nul_errors(result)
        if errors:
            raise PayloadError(ErrorCode.VALIDATION_FAILED, errors)
        return result

    return checked
