"""The read side of the simulated Acumatica: OData ``$filter`` (``eq ne gt ge lt le``, ``and``, ``or``,
parentheses, string, number and ``datetimeoffset'...'`` literals), ``$select``, ``$expand``,
``$top``/``$skip``, and records rendered as the contract-based API sends them: system fields (``id``,
``rowNumber``, ``note``, ``custom``, ``_links``) and every other field as ``{"value": ...}``.

Records are kept plain (``{"OrderNbr": "000001", "Details": [{...}], "MainContact": {...}}``); a list
of dicts is a detail entity, a dict a linked entity. Amounts are ``Decimal`` and go on the wire as
JSON numbers, written from their decimal text (never through float).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi.responses import Response

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
SYSTEM = ("id", "rowNumber", "note", "custom", "_links")
_TOKEN = re.compile(r"\s*(?:(\()|(\))|datetimeoffset'([^']*)'|'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w/]*))")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
}


class QueryError(ValueError):
    """A ``$filter`` (or another parameter) the simulator cannot read: answered 400 as Acumatica does."""


def _tokens(text: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise QueryError(f"$filter: cannot read {text[position:]!r}")
        opened, closed, moment, string, number, word = match.groups()
        if opened or closed:
            found.append(("paren", opened or closed))
        elif moment is not None:
            found.append(("value", _moment(moment)))
        elif string is not None:
            found.append(("value", string.replace("''", "'")))
        elif number is not None:
            found.append(("value", Decimal(number)))
        else:
            found.append(("word", word))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def parse(self) -> Predicate:
        predicate = self._or()
        if self.at != len(self.tokens):
            raise QueryError(f"$filter: unexpected {self.tokens[self.at][1]!r}")
        return predicate

    def _peek_word(self, word: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at] == ("word", word)

    def _or(self) -> Predicate:
        left = self._and()
        while self._peek_word("or"):
            self.at += 1
            left = _either(left, self._and())
        return left

    def _and(self) -> Predicate:
        left = self._term()
        while self._peek_word("and"):
            self.at += 1
            left = _both(left, self._term())
        return left

    def _term(self) -> Predicate:
        if self.at < len(self.tokens) and self.tokens[self.at] == ("paren", "("):
            self.at += 1
            inner = self._or()
            if self.at >= len(self.tokens) or self.tokens[self.at] != ("paren", ")"):
                raise QueryError("$filter: a parenthesis is not closed")
            self.at += 1
            return inner
        return self._comparison()

    def _comparison(self) -> Predicate:
        if self.at + 3 > len(self.tokens):
            raise QueryError("$filter: a comparison is cut short")
        (kind, field), (op_kind, op), (value_kind, value) = self.tokens[self.at : self.at + 3]
        if kind != "word" or op_kind != "word" or op not in _COMPARE or value_kind != "value":
            raise QueryError(f"$filter: expected '<field> <eq|ne|gt|ge|lt|le> <literal>' at {field!r}")
        self.at += 3
        compare = _COMPARE[op]
        return lambda record: _comparable(compare, field_value(record, field), value)


def _either(first: Predicate, second: Predicate) -> Predicate:
    return lambda record: first(record) or second(record)


def _both(first: Predicate, second: Predicate) -> Predicate:
    return lambda record: first(record) and second(record)


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(f"$filter: {text!r} is not a datetimeoffset") from None


def _comparable(compare: Callable[[Any, Any], bool], actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, datetime) and isinstance(actual, str):
        actual = _moment(actual)
    if isinstance(wanted, Decimal) and actual is not None and not isinstance(actual, Decimal):
        try:
            actual = Decimal(str(actual))
        except InvalidOperation:
            return False
    try:
        return compare(actual, wanted)
    except TypeError:
        return False


def field_value(record: Record, path: str) -> Any:
    """A field by its path (``MainContact/Email``)."""
    value: Any = record
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def where(text: str | None) -> Predicate:
    """The predicate of a ``$filter`` (everything when there is none)."""
    if not text or not text.strip():
        return lambda record: True
    return _Parser(text).parse()


def page(records: list[Record], *, top: str | None, skip: str | None) -> list[Record]:
    try:
        start = int(skip) if skip else 0
        count = int(top) if top else None
    except ValueError:
        raise QueryError("$top and $skip must be whole numbers") from None
    if start < 0 or (count is not None and count < 0):
        raise QueryError("$top and $skip must not be negative")
    return records[start:] if count is None else records[start : start + count]


def _names(text: str | None) -> set[str]:
    return {part.strip() for part in (text or "").split(",") if part.strip()}


def render(
    record: Record,
    *,
    self_link: str,
    expand: str | None = None,
    select: str | None = None,
) -> dict[str, Any]:
    """A record as the API answers it; detail entities only when expanded, fields narrowed by $select."""
    expanded, chosen = _names(expand), _names(select)
    top_chosen = {name.split("/")[0] for name in chosen}
    answer: dict[str, Any] = {"id": record["id"], "rowNumber": 1, "note": {"value": record.get("note", "")}}
    for name, value in record.items():
        if name in ("id", "note") or name.startswith("_") or (chosen and name not in top_chosen):
            continue
        if isinstance(value, list):
            if name in expanded:
                answer[name] = [_detail(item, index + 1) for index, item in enumerate(value)]
        elif isinstance(value, dict):
            if name in expanded:  # linked entities too are sent only when expanded
                answer[name] = _linked(value)
        else:
            answer[name] = {"value": value}
    answer["custom"] = {}
    answer["_links"] = {"self": self_link, "files:put": f"{self_link}/files/{{filename}}"}
    return answer


def _detail(item: Record, row: int) -> dict[str, Any]:
    fields = {name: {"value": value} for name, value in item.items() if name != "id"}
    return {"id": item["id"], "rowNumber": row, "note": {"value": ""}, **fields, "custom": {}}


def _linked(value: Record) -> dict[str, Any]:
    return {name: _linked(inner) if isinstance(inner, dict) else {"value": inner} for name, inner in value.items()}


_DECIMAL = "\x00decimal:"


def _marked(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_DECIMAL}{value}"
    if isinstance(value, dict):
        return {name: _marked(inner) for name, inner in value.items()}
    if isinstance(value, list):
        return [_marked(item) for item in value]
    return value


def json_answer(content: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON with Decimals written as numbers from their own digits."""
    text = json.dumps(_marked(content), ensure_ascii=False)
    text = re.sub(r'"\\u0000decimal:(-?[0-9.E+-]+)"', r"\1", text)
    return Response(text, status_code=status, headers=headers, media_type="application/json")
