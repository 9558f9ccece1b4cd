"""Fast JSON responses (orjson) that render Decimals as strings, so money never passes through floats."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from fastapi.responses import JSONResponse


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"cannot serialise {type(value).__name__}")


class Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        # Row mappings key by str subclasses (quoted_name), which plain orjson refuses as keys.
        return orjson.dumps(content, default=_default, option=orjson.OPT_NON_STR_KEYS)
