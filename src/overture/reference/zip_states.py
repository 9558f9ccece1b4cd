"""Which US state or territory a ZIP code belongs to, from the USPS list shipped as package data."""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

from overture.domain.digits import is_digits

_DATA = "us_zip_states.csv.gz"


@cache
def _states() -> dict[str, str]:
    # Loaded on first use only: capture needs it only when the address_mismatch rule is on.
    raw = resources.files("overture.reference").joinpath("data", _DATA).read_bytes()
    rows = gzip.decompress(raw).decode().splitlines()[1:]
    return {zip5: state for zip5, state in (line.split(",") for line in rows)}


def zip_state(postal_code: str) -> str | None:
    """USPS code ("NY", "PR", "AE") of a ZIP or ZIP+4 code; None when no such ZIP exists."""
    zip5 = postal_code.strip().split("-")[0].replace(" ", "")
    if len(zip5) != 5 or not is_digits(zip5):
        return None
    return _states().get(zip5)
