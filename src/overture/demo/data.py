"""Sample data for ``overture demo``: warehouses, a catalogue, stock and a plan of order requests.

Everything is drawn from one seeded ``random.Random``, so a seed always gives the same demo.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from overture.domain.routing import GeoPoint, great_circle_km
from overture.reference.zcta import ZctaGeocoder


def _words(text: str, separator: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(separator))


# id, name, ZIP (the API geocodes it), priority (lower wins ties on distance).
WAREHOUSES: tuple[tuple[str, str, str, int], ...] = (
    ("EWR1", "Edison NJ Fulfilment Center", "08817", 50),
    ("HAR1", "Harrisburg PA Distribution Center", "17112", 100),
    ("CMH1", "Columbus OH Fulfilment Center", "43217", 100),
    ("ATL1", "Atlanta GA Distribution Center", "30336", 50),
    ("MEM1", "Memphis TN Hub", "38118", 100),
    ("JOT1", "Joliet IL Fulfilment Center", "60436", 50),
    ("DFW1", "Dallas-Fort Worth TX Distribution Center", "75261", 50),
    ("DEN1", "Denver CO Fulfilment Center", "80239", 100),
    ("PHX1", "Phoenix AZ Distribution Center", "85043", 100),
    ("ONT1", "Ontario CA Fulfilment Center", "91761", 50),
)

# ZIP3 prefix ranges -> state (USPS allocation).
_ZIP3_STATES = """005 NY,006-007 PR,008 VI,009 PR,010-027 MA,028-029 RI,030-038 NH,039-049 ME,050-054 VT,055 MA,
056-059 VT,060-069 CT,070-089 NJ,100-149 NY,150-196 PA,197-199 DE,200 DC,201 VA,202-205 DC,206-219 MD,220-246 VA,
247-268 WV,270-289 NC,290-299 SC,300-319 GA,320-349 FL,350-369 AL,370-385 TN,386-397 MS,398-399 GA,400-427 KY,
430-459 OH,460-479 IN,480-499 MI,500-528 IA,530-549 WI,550-567 MN,569 DC,570-577 SD,580-588 ND,590-599 MT,
600-629 IL,630-658 MO,660-679 KS,680-693 NE,700-715 LA,716-729 AR,730-732 OK,733 TX,734-749 OK,750-799 TX,
800-816 CO,820-831 WY,832-838 ID,840-847 UT,850-865 AZ,870-884 NM,885 TX,889-898 NV,900-961 CA,967-968 HI,
969 GU,970-979 OR,980-994 WA,995-999 AK"""

# A few real cities per state with a ZIP inside each; a ship-to gets the nearest one in its state.
_CITIES = """AL Birmingham 35203,Montgomery 36104,Mobile 36602|AK Anchorage 99501,Fairbanks 99701,Juneau 99801
AZ Phoenix 85004,Tucson 85701,Flagstaff 86001|AR Little Rock 72201,Fayetteville 72701
CA Los Angeles 90012,San Francisco 94103,San Diego 92101,Sacramento 95814,Fresno 93721,Redding 96001
CO Denver 80202,Colorado Springs 80903,Grand Junction 81501|CT Hartford 06103,New Haven 06510
DE Wilmington 19801,Dover 19901|DC Washington 20001|GA Atlanta 30303,Savannah 31401,Macon 31201
FL Miami 33130,Orlando 32801,Tampa 33602,Jacksonville 32202,Tallahassee 32301|HI Honolulu 96813,Hilo 96720
ID Boise 83702,Idaho Falls 83402|IL Chicago 60601,Springfield 62701,Peoria 61602
IN Indianapolis 46204,Fort Wayne 46802,Evansville 47708|IA Des Moines 50309,Cedar Rapids 52401
KS Wichita 67202,Topeka 66603|KY Louisville 40202,Lexington 40507|ME Portland 04101,Bangor 04401
LA New Orleans 70112,Baton Rouge 70801,Shreveport 71101|MD Baltimore 21202,Annapolis 21401
MA Boston 02108,Worcester 01608,Springfield 01103|MI Detroit 48226,Grand Rapids 49503,Marquette 49855
MN Minneapolis 55401,Duluth 55802,Rochester 55901|MS Jackson 39201,Gulfport 39501
MO St. Louis 63101,Kansas City 64106,Springfield 65806|MT Billings 59101,Missoula 59802,Helena 59601
NE Omaha 68102,Lincoln 68508,North Platte 69101|NV Las Vegas 89101,Reno 89501|NH Manchester 03101,Concord 03301
NJ Newark 07102,Trenton 08608|NM Albuquerque 87102,Santa Fe 87501,Las Cruces 88001
NY New York 10001,Buffalo 14202,Albany 12207,Syracuse 13202|NC Charlotte 28202,Raleigh 27601,Asheville 28801
ND Fargo 58102,Bismarck 58501|OH Columbus 43215,Cleveland 44113,Cincinnati 45202|OK Oklahoma City 73102,Tulsa 74103
OR Portland 97204,Eugene 97401,Bend 97701|PA Philadelphia 19103,Pittsburgh 15222,Harrisburg 17101,Erie 16501
RI Providence 02903|SC Columbia 29201,Charleston 29401,Greenville 29601|SD Sioux Falls 57104,Rapid City 57701
TN Nashville 37203,Memphis 38103,Knoxville 37902|UT Salt Lake City 84101,St. George 84770
TX Houston 77002,Dallas 75201,Austin 78701,San Antonio 78205,El Paso 79901,Amarillo 79101,Lubbock 79401
VT Burlington 05401,Montpelier 05602|VA Richmond 23219,Virginia Beach 23451,Roanoke 24011
WA Seattle 98101,Spokane 99201,Tacoma 98402|WV Charleston 25301,Morgantown 26505
WI Milwaukee 53202,Madison 53703,Green Bay 54301|WY Cheyenne 82001,Casper 82601|PR San Juan 00901,Ponce 00716"""

# kind, SKU code, sizes, price range (USD), weight (kg)
_KINDS: tuple[tuple[str, str, tuple[str, ...], tuple[int, int], float], ...] = (
    ("Trail Runner Shoe", "TRS", ("39", "40", "41", "42", "43", "44", "45", "46"), (89, 169), 0.8),
    ("Road Running Shoe", "RRS", ("39", "40", "41", "42", "43", "44", "45", "46"), (79, 149), 0.7),
    ("Hiking Boot", "HKB", ("39", "40", "41", "42", "43", "44", "45", "46"), (129, 249), 1.4),
    ("Merino Crew Sock", "MCS", ("S", "M", "L", "XL"), (14, 26), 0.1),
    ("Rain Shell Jacket", "RSJ", ("XS", "S", "M", "L", "XL", "XXL"), (119, 289), 0.5),
    ("Down Vest", "DVT", ("XS", "S", "M", "L", "XL", "XXL"), (99, 199), 0.4),
    ("Fleece Pullover", "FLP", ("XS", "S", "M", "L", "XL", "XXL"), (59, 129), 0.5),
    ("Base Layer Top", "BLT", ("XS", "S", "M", "L", "XL"), (45, 95), 0.2),
    ("Softshell Pant", "SSP", ("28", "30", "32", "34", "36", "38"), (79, 149), 0.6),
    ("Insulated Bottle", "INB", ("500ml", "750ml", "1L"), (24, 44), 0.4),
    ("Daypack", "DPK", ("18L", "24L", "30L"), (69, 159), 0.9),
    ("Headlamp", "HLP", ("200lm", "400lm"), (29, 79), 0.1),
    ("Sleeping Bag", "SLB", ("Regular", "Long"), (149, 399), 1.2),
    ("Trekking Poles", "TPL", ("S-M", "M-L"), (59, 179), 0.5),
    ("Camp Chair", "CCH", ("Compact", "Standard"), (49, 129), 1.1),
)
_MODELS = _words(
    "Ridge Summit Alder Cascade Granite Juniper Mesa Tundra Sierra Cedar Basalt Aspen Coyote Harbor Kestrel"
)
_COLOURS = _words("Black Blue Red Green Grey Orange Navy Olive Sand Teal")
_FIRST = _words("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth Maria Wei Aisha Carlos Priya")
_LAST = _words("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Nguyen Kim Patel Lee Walker")
_STREETS = _words("Maple Oak Pine Cedar Elm Washington Lake Hill Park Main Sunset Ridge River Church Highland")
_STREET_TYPES = ("St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way")
_COMPANIES = _words(
    "Trailhead Outfitters|Basecamp Supply|Alpine Co-op|Summit Sports|Riverbend Outdoor|Peak Rentals", "|"
)
# channel, weight, external id format
_CHANNELS = (
    ("web", 55, "W{n:07d}"),
    ("app", 15, "APP-{n:07d}"),
    ("marketplace", 22, "MKT-{n:09d}"),
    ("b2b", 8, "PO-{n:06d}"),
)

CARD_CHANNELS = frozenset({"web", "app"})
ZIPF_EXPONENT = 1.0  # classic long tail: the 10th best seller sells a tenth of the first
SCARCE_SHARE = 0.02
UNKNOWN_SKU_SHARE = 0.01
MALFORMED_SHARE = 0.005
REPLAY_SHARE = 0.02
UNITS_PER_LINE = 1.5  # mostly 1, but b2b lines take several
_LINES, _LINE_WEIGHTS = (1, 2, 3, 4), (55, 27, 12, 6)
_CONSUMER_QTY, _CONSUMER_QTY_WEIGHTS = (1, 2, 3), (86, 11, 3)
_B2B_QTY, _B2B_QTY_WEIGHTS = (2, 3, 4, 6, 8, 12), (25, 20, 20, 15, 12, 8)


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    sku: str
    description: str
    price: Decimal
    weight_kg: float


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """One POST /v1/orders: a real order (maybe posted twice), or a body meant to be quarantined."""

    kind: Literal["order", "malformed"]
    body: bytes
    idempotency_key: str
    replay: bool = False


@dataclass(frozen=True, slots=True)
class DemoData:
    catalogue: list[CatalogueItem]
    receipts: list[dict[str, Any]]
    scarce: frozenset[str]
    requests: list[PlannedRequest]


def _zip3_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for entry in _ZIP3_STATES.replace("\n", "").split(","):
        span, state = entry.split()
        low, _, high = span.partition("-")
        for prefix in range(int(low), int(high or low) + 1):
            table[f"{prefix:03d}"] = state
    return table


def _cities(geocoder: ZctaGeocoder) -> dict[str, list[tuple[str, GeoPoint]]]:
    by_state: dict[str, list[tuple[str, GeoPoint]]] = {}
    for group in _CITIES.replace("\n", "|").split("|"):
        state, rest = group.split(" ", 1)
        for city in rest.split(","):
            name, zip_code = city.rsplit(" ", 1)
            point = geocoder.locate_zip(zip_code)
            if point is not None:
                by_state.setdefault(state, []).append((name, point))
    return by_state


class AddressBook:
    """Turns a real ZIP into a plausible street address: its state, and the nearest listed city there."""

    def __init__(self, geocoder: ZctaGeocoder) -> None:
        self._geocoder = geocoder
        self._states = _zip3_table()
        self._cities = _cities(geocoder)

    def address(self, zip_code: str, name: str, rng: random.Random) -> dict[str, str]:
        state = self._states.get(zip_code[:3], "")
        point = self._geocoder.locate_zip(zip_code)
        city = ""
        if point is not None and self._cities.get(state):
            city = min(self._cities[state], key=lambda c: great_circle_km(point, c[1]))[0]
        street = f"{rng.randint(1, 9999)} {rng.choice(_STREETS)} {rng.choice(_STREET_TYPES)}"
        return {"name": name, "line1": street, "city": city, "region": state, "postal_code": zip_code, "country": "US"}


def catalogue(count: int, rng: random.Random) -> list[CatalogueItem]:
    """``count`` SKUs: products (model x kind, then later generations) in every size and a few colours."""
    items: list[CatalogueItem] = []
    for generation in itertools.count(1):
        products = [(model, kind) for model in _MODELS for kind in _KINDS]
        rng.shuffle(products)
        for model, (kind, code, sizes, (low, high), weight) in products:
            name = model if generation == 1 else f"{model} {generation}"
            price = Decimal(rng.randint(low, high)) - Decimal("0.01")
            for colour in rng.sample(_COLOURS, rng.randint(2, 5)):
                for size in sizes:
                    size_code = re.sub(r"[^A-Z0-9]", "", size.upper())
                    sku = f"{code}-{model[:3].upper()}{generation}-{size_code}-{colour[:3].upper()}"
                    items.append(CatalogueItem(sku, f"{name} {kind} {size} {colour}", price, weight))
                    if len(items) == count:
                        return items
    raise AssertionError("unreachable")  # pragma: no cover


def popularity(count: int) -> list[float]:
    """Cumulative Zipf weights over ranks 1..count, for ``random.choices(cum_weights=...)``."""
    return list(itertools.accumulate(1 / rank**ZIPF_EXPONENT for rank in range(1, count + 1)))


def _split(units: int, places: int, rng: random.Random) -> list[int]:
    """Split units over places, skewed (one site usually holds most), each site getting at least one."""
    shares = [rng.paretovariate(1.2) for _ in range(places)]
    total = sum(shares)
    return [max(1, round(units * s / total)) for s in shares]


def _scarce(ranked: Sequence[CatalogueItem], rng: random.Random) -> frozenset[str]:
    """~2% of SKUs, never the top 1% (no one lets a best seller run dry on purpose).

    Half are drawn by popularity, so they are ordered and run out even on a short run; the
    other half uniformly, like the long tail of thin stock that mostly goes unnoticed.
    """
    count = max(2, round(SCARCE_SHARE * len(ranked)))
    first = max(1, len(ranked) // 100)
    pool = list(ranked[first:])
    cum = list(itertools.accumulate(1 / rank**ZIPF_EXPONENT for rank in range(first + 1, len(ranked) + 1)))
    popular: set[str] = set()
    while len(popular) < min(count // 2, len(pool)):
        popular.add(rng.choices(pool, cum_weights=cum)[0].sku)
    rest = [item.sku for item in pool if item.sku not in popular]
    return frozenset(popular | set(rng.sample(rest, min(count - len(popular), len(rest)))))


def stock(
    ranked: Sequence[CatalogueItem], orders: int, rng: random.Random
) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """Receipts for ``ranked`` (best seller first): 2-6 sites each, enough to cover forecast demand
    so best sellers rarely run out, and 1-3 units in all for the scarce SKUs."""
    cum = popularity(len(ranked))
    lines_per_order = sum(n * w for n, w in zip(_LINES, _LINE_WEIGHTS, strict=True)) / sum(_LINE_WEIGHTS)
    scarce = _scarce(ranked, rng)
    locations = [w[0] for w in WAREHOUSES]
    receipts: list[dict[str, Any]] = []
    for rank, item in enumerate(ranked):
        share = (cum[rank] - (cum[rank - 1] if rank else 0.0)) / cum[-1]
        if item.sku in scarce:
            units = rng.randint(1, 3)
            sites = rng.sample(locations, units)
            quantities = [1] * units
        else:
            forecast = orders * lines_per_order * share * UNITS_PER_LINE
            units = max(min(250, int(rng.paretovariate(1.1) * 6)), math.ceil(forecast * rng.uniform(1.5, 3.0)))
            # Fast movers are kept in most regions; the long tail sits in as few as two sites.
            sites = rng.sample(locations, rng.randint(4, 6) if forecast >= 2 else rng.randint(2, 6))
            quantities = _split(units, len(sites), rng)
        for site, quantity in zip(sites, quantities, strict=True):
            receipts.append(
                {
                    "sku": item.sku,
                    "location_id": site,
                    "quantity": quantity,
                    "reason": "opening stock",
                    "reference": f"ASN-{rng.randint(100000, 999999)}",
                }
            )
    return receipts, scarce


def _key(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _customer(rng: random.Random, channel: str, pool: int) -> dict[str, str]:
    # Customers come from a pool a third the size of the run, so some of them order again.
    number = rng.randrange(pool)
    if channel == "b2b":
        company = _COMPANIES[number % len(_COMPANIES)]
        domain = company.lower().replace(" ", "-")
        return {
            "reference": f"ACCT-{number % len(_COMPANIES) + 1:04d}",
            "name": company,
            "email": f"purchasing@{domain}.example.com",
        }
    first, last = _FIRST[number % len(_FIRST)], _LAST[(number // len(_FIRST)) % len(_LAST)]
    return {
        "reference": f"CUST-{number:06d}",
        "name": f"{first} {last}",
        "email": f"{first}.{last}{number}@example.com".lower(),
    }


class OrderFactory:
    """Realistic order bodies: channel mix, returning customers, 1-4 lines, Zipf-popular SKUs."""

    def __init__(
        self, ranked: Sequence[CatalogueItem], zips: Sequence[str], addresses: AddressBook, orders: int
    ) -> None:
        self._ranked = ranked
        self._cum = popularity(len(ranked))
        self._zips = zips
        self._addresses = addresses
        self._pool = max(1, orders // 3)

    def order(self, n: int, rng: random.Random, *, unknown_sku: bool) -> dict[str, Any]:
        channel, _, external = rng.choices(_CHANNELS, weights=[c[1] for c in _CHANNELS])[0]
        customer = _customer(rng, channel, self._pool)
        wanted = rng.choices(_LINES, weights=_LINE_WEIGHTS)[0]
        items: dict[str, CatalogueItem] = {}
        while len(items) < min(wanted, len(self._ranked)):
            item = rng.choices(self._ranked, cum_weights=self._cum)[0]
            items[item.sku] = item
        quantities, weights = (
            (_B2B_QTY, _B2B_QTY_WEIGHTS) if channel == "b2b" else (_CONSUMER_QTY, _CONSUMER_QTY_WEIGHTS)
        )
        lines = [
            {"sku": i.sku, "quantity": rng.choices(quantities, weights=weights)[0], "unit_price": str(i.price)}
            for i in items.values()
        ]
        if unknown_sku:
            # A storefront still selling an item that was retired from the catalogue.
            lines[-1]["sku"] = f"RETIRED-{rng.randint(10000, 99999)}"
        body = {
            "channel": channel,
            "external_id": external.format(n=n + 1),
            "customer": customer,
            "ship_to": self._addresses.address(rng.choice(self._zips), customer["name"], rng),
            "currency": "USD",
            "lines": lines,
        }
        if channel in CARD_CHANNELS:  # our own storefront and app take cards through our payment provider
            body["payment_method"] = "pm_card_visa"
        return body


def _malformed(n: int, order: dict[str, Any], rng: random.Random) -> bytes:
    """A body the hub must quarantine: two in three cut-off JSON (400), the rest schema errors (422)."""
    if n % 3 != 2:
        text = json.dumps(order)
        return text[: rng.randint(10, len(text) - 10)].encode()
    broken = json.loads(json.dumps(order))
    broken["lines"][0]["quantity"] = "two"
    del broken["ship_to"]["postal_code"]
    return json.dumps(broken).encode()


def _picks(total: int, share: float, rng: random.Random) -> set[int]:
    return set(rng.sample(range(total), min(total, max(1, round(share * total)))))


def plan_requests(factory: OrderFactory, orders: int, rng: random.Random) -> list[PlannedRequest]:
    """``orders`` real orders (some re-posted with the same key), plus ~0.5% malformed bodies, shuffled."""
    unknown = _picks(orders, UNKNOWN_SKU_SHARE, rng)
    replays = _picks(orders, REPLAY_SHARE, rng)
    plan = [
        PlannedRequest(
            "order", json.dumps(factory.order(n, rng, unknown_sku=n in unknown)).encode(), _key(rng), n in replays
        )
        for n in range(orders)
    ]
    for n in range(max(1, round(MALFORMED_SHARE * orders))):
        plan.append(
            PlannedRequest(
                "malformed", _malformed(n, factory.order(orders + n, rng, unknown_sku=False), rng), _key(rng)
            )
        )
    rng.shuffle(plan)
    return plan


def build(skus: int, orders: int, seed: int) -> DemoData:
    """Everything the demo sends, drawn from ``seed``."""
    rng = random.Random(seed)
    geocoder = ZctaGeocoder()
    items = catalogue(skus, rng)
    ranked = rng.sample(items, len(items))  # best sellers are spread over product families
    receipts, scarce = stock(ranked, orders, rng)
    factory = OrderFactory(ranked, sorted(geocoder.zip_codes()), AddressBook(geocoder), orders)
    return DemoData(items, receipts, scarce, plan_requests(factory, orders, rng))
