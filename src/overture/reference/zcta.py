"""Postal-code geocoding from the US Census ZCTA gazetteer shipped as package data.

A ZIP that is not a ZCTA (PO-box-only and unique ZIPs) falls back to the centroid of its
3-digit prefix area, which is within a few tens of km and good enough to rank locations.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

from overture.domain.parties import Address
from overture.domain.routing import GeoPoint
from overture.reference.zip_states import zip_state

_DATA = "us_zcta_2023.csv.gz"
_ZIP_COUNTRIES = frozenset({"US", "PR", "VI", "GU", "AS", "MP"})  # addressed with US ZIP codes


@cache
def _tables() -> tuple[dict[str, GeoPoint], dict[str, GeoPoint]]:
    raw = resources.files("overture.reference").joinpath("data", _DATA).read_bytes()
    exact: dict[str, GeoPoint] = {}
    sums: dict[str, list[float]] = {}
    for line in gzip.decompress(raw).decode().splitlines()[1:]:
        zcta, lat, lon = line.split(",")
        point = GeoPoint(float(lat), float(lon))
        exact[zcta] = point
        acc = sums.setdefault(zcta[:3], [0.0, 0.0, 0.0])
        acc[0] += point.latitude
        acc[1] += point.longitude
        acc[2] += 1
    prefixes = {p: GeoPoint(a[0] / a[2], a[1] / a[2]) for p, a in sums.items()}
    return exact, prefixes


class ZctaGeocoder:
    """Locates US addresses by ZIP code; other countries are not located (routing copes)."""

    def __init__(self) -> None:
        self._exact, self._prefixes = _tables()

    def locate(self, address: Address) -> GeoPoint | None:
        if address.country not in _ZIP_COUNTRIES:
            return None
        return self.locate_zip(address.postal_key)

    def locate_zip(self, zip_code: str) -> GeoPoint | None:
        zip_code = zip_code[:5]
        return self._exact.get(zip_code) or self._prefixes.get(zip_code[:3])

    def state_of(self, address: Address) -> str | None:
        """The USPS state or territory of a ZIP-system address's ZIP code; None elsewhere or if unknown."""
        if address.country not in _ZIP_COUNTRIES:
            return None
        return zip_state(address.postal_code)

    def zip_codes(self) -> list[str]:
        return list(self._exact)
