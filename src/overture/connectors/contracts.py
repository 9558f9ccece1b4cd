"""Connector contract checks: what a vendor answers, read against the fields the connector relies on.

Each connector describes the part of an answer it reads as a pydantic model, lenient about everything
else (``Contract``: extra fields allowed, so a vendor adding fields is not drift) and strict about
what it uses: a field renamed, missing, null where a value is needed or of another type. ``expect``
validates an answer against such a model and, when it does not fit, raises ``ApiDriftError`` naming
each field by its dotted path, with the answer kept raw, so the exception queue shows what the vendor
actually sent. Pinning the vendor's API version in settings keeps drift rare; this catches the rest.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from overture.services.ports.connector_errors import ApiDriftError

RAW_LIMIT = 64 * 1024  # enough for any single answer we read; a page of a huge listing is cut, not lost to memory


class Contract(BaseModel):
    """Base of the models of vendors' answers: unknown fields are ignored, known ones checked; values are
    never coerced across types (a number sent as text is drift: the vendor changed its type)."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


M = TypeVar("M", bound=BaseModel)


def problems_of(error: ValidationError) -> tuple[str, ...]:
    """Each failed field as ``path.to.field: reason``, in the order pydantic found them."""
    found = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or "(answer)"
        reason = "missing" if item["type"] == "missing" else item["msg"].lower()
        found.append(f"{path}: {reason}")
    return tuple(dict.fromkeys(found))


def raw_text(answer: Any) -> str:
    """The answer as text for the record: JSON as received (decoded and re-encoded, keys in order)."""
    text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False, default=str)
    return text if len(text) <= RAW_LIMIT else text[:RAW_LIMIT] + "...(cut)"


def expect(model: type[M], answer: Any, *, connector: str, operation: str, status: int | None = None) -> M:
    """``answer`` read as ``model``; ``ApiDriftError`` naming every field that does not fit."""
    try:
        return model.model_validate(answer)
    except ValidationError as error:
        problems = problems_of(error)
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise ApiDriftError(
            f"api drift: the answer does not fit what we read ({shown})",
            connector=connector,
            operation=operation,
            status=status,
            problems=problems,
            raw=raw_text(answer),
        ) from None
