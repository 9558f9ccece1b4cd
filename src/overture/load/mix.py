"""The mix file of ``overture load``: what kind of orders to send, and what to do to them afterwards.

A mix is a JSON or TOML file (by its suffix); every field has a default, so ``{}`` is a valid mix::

    seed = 7                  # one seed gives the same orders, SKUs and follow-ups every run
    skus = 2000               # catalogue size (seeded on the hub unless --no-seed)
    zipf_exponent = 1.0       # popularity of the SKU ranked r is 1 / r ** exponent
    arrivals = "poisson"      # or "uniform": evenly spaced sends
    cancel_share = 0.02       # share of orders cancelled a little after capture
    edit_share = 0.02         # ... edited (a quantity changed)
    return_share = 0.01       # ... returned once shipped
    follow_up_delay_s = 1.0   # how long after capture a cancel or an edit is sent

    [channels]                # channel -> weight
    web = 55
    marketplace = 22

    [lines]                   # lines per order -> weight
    "1" = 55
    "2" = 27

Every refusal is a :class:`MixError` naming the field (``channels.web``, ``cancel_share``) and why.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

DEFAULT_CHANNELS: dict[str, float] = {"web": 55, "app": 15, "marketplace": 22, "b2b": 8}
DEFAULT_LINES: dict[int, float] = {1: 55, 2: 27, 3: 12, 4: 6}
MAX_LINES = 50
MAX_SKUS = 200_000
_FIELDS = frozenset(
    {
        "seed",
        "skus",
        "zipf_exponent",
        "arrivals",
        "cancel_share",
        "edit_share",
        "return_share",
        "follow_up_delay_s",
        "channels",
        "lines",
    }
)


class MixError(ValueError):
    """A mix file that cannot be used: ``field`` is where (dotted), ``reason`` why."""

    def __init__(self, *, field: str, reason: str) -> None:
        super().__init__(f"mix: {field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Mix:
    seed: int = 7
    skus: int = 2_000
    zipf_exponent: float = 1.0
    arrivals: Literal["poisson", "uniform"] = "poisson"
    cancel_share: float = 0.02
    edit_share: float = 0.02
    return_share: float = 0.01
    follow_up_delay_s: float = 1.0
    channels: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CHANNELS))
    lines: dict[int, float] = field(default_factory=lambda: dict(DEFAULT_LINES))


_DEFAULT = Mix()
_SHARES = ("cancel_share", "edit_share", "return_share")


def _number(raw: Mapping[str, Any], name: str, default: float, *, low: float, high: float) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MixError(field=name, reason=f"must be a number, not {value!r}")
    if not low <= value <= high:
        raise MixError(field=name, reason=f"must be between {low:g} and {high:g}, not {value!r}")
    return float(value)


def _integer(raw: Mapping[str, Any], name: str, default: int, *, low: int, high: int) -> int:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MixError(field=name, reason=f"must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise MixError(field=name, reason=f"must be between {low} and {high}, not {value}")
    return value


def _weights(raw: Mapping[str, Any], name: str, default: Mapping[Any, float]) -> dict[str, float]:
    table = raw.get(name, default)
    if not isinstance(table, Mapping) or not table:
        raise MixError(field=name, reason="must be a non-empty table of name = weight")
    weights: dict[str, float] = {}
    for key, weight in table.items():
        label = f"{name}.{key}"
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight) or weight < 0:
            raise MixError(field=label, reason=f"weight must be a number >= 0, not {weight!r}")
        weights[str(key)] = float(weight)
    if sum(weights.values()) <= 0:
        raise MixError(field=name, reason="at least one weight must be above 0")
    return weights


def _channels(raw: Mapping[str, Any]) -> dict[str, float]:
    weights = _weights(raw, "channels", DEFAULT_CHANNELS)
    for name in weights:
        # The REST channel's own rule (channels/rest.py): a short lower-case code.
        if not name or len(name) > 40 or not all(c.islower() or c.isdigit() or c in "-_" for c in name):
            raise MixError(field=f"channels.{name}", reason="a channel is lower-case letters, digits, - or _")
    return weights


def _lines(raw: Mapping[str, Any]) -> dict[int, float]:
    lines: dict[int, float] = {}
    for key, weight in _weights(raw, "lines", DEFAULT_LINES).items():
        if not key.isdigit() or not 1 <= int(key) <= MAX_LINES:
            raise MixError(field=f"lines.{key}", reason=f"a line count is a whole number 1..{MAX_LINES}")
        lines[int(key)] = weight
    return lines


def parse_mix(raw: Mapping[str, Any]) -> Mix:
    """A mix from the file's table, every field checked; unknown fields are refused (a typo would be ignored)."""
    for name in raw:
        if name not in _FIELDS:
            raise MixError(field=str(name), reason=f"unknown field (known: {', '.join(sorted(_FIELDS))})")
    arrivals = raw.get("arrivals", "poisson")
    if arrivals not in ("poisson", "uniform"):
        raise MixError(field="arrivals", reason=f'must be "poisson" or "uniform", not {arrivals!r}')
    shares = {name: _number(raw, name, getattr(_DEFAULT, name), low=0, high=1) for name in _SHARES}
    if sum(shares.values()) > 1:
        raise MixError(field="cancel_share", reason="cancel_share + edit_share + return_share must be at most 1")
    return Mix(
        seed=_integer(raw, "seed", 7, low=0, high=2**63 - 1),
        skus=_integer(raw, "skus", _DEFAULT.skus, low=1, high=MAX_SKUS),
        zipf_exponent=_number(raw, "zipf_exponent", _DEFAULT.zipf_exponent, low=0, high=10),
        arrivals=arrivals,
        follow_up_delay_s=_number(raw, "follow_up_delay_s", _DEFAULT.follow_up_delay_s, low=0, high=3600),
        channels=_channels(raw),
        lines=_lines(raw),
        **shares,
    )


def load_mix(path: Path | None) -> Mix:
    """The mix in ``path`` (.toml or .json), or the default mix when no file is given."""
    if path is None:
        return Mix()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise MixError(field="file", reason=f"cannot read {path}: {error.strerror or error}") from None
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise MixError(field="file", reason=f"{path} does not parse: {error}") from None
    if not isinstance(raw, dict):
        raise MixError(field="file", reason="the top level must be a table (JSON object)")
    return parse_mix(raw)
