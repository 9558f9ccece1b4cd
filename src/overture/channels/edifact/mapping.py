"""A read ORDERS into the canonical ``PlaceOrder``, with the partner's profile applied.

The profile turns their part numbers into our SKUs (``sku_xref``), their units into ours
(``uom_factors``) and gives the price when the order carries none (``contract_prices``). The
partner is the UNB sender: its id is the profile's ``partner_id``. Whatever cannot become an order
is a ``PayloadError`` naming the segment and element.
"""

from __future__ import annotations

from overture.channels.edifact.orders import CHANNEL, OrderLine, Party, PurchaseOrder
from overture.domain.address_book import AddressLookup, edifact_party
from overture.domain.commands import LineRequest, PlaceOrder, Reference
from overture.domain.money import is_currency
from overture.domain.parties import Address, Customer
from overture.domain.partners import PartnerProfile
from overture.services.errors import ErrorCode, FieldError, PayloadError

# Which product id is our SKU when the partner has no cross-reference for it: the supplier's article
# number (we are the supplier), then the GTIN, then the buyer's own numbers.
SKU_TYPES = ("SA", "EN", "UP", "SRV", "IN", "BP")
SHIP_TO = ("ST", "DP", "BY")  # EANCOM's delivery party is DP
REFUSED_FUNCTIONS = {"1": "a cancellation", "3": "a deletion", "5": "a replacement"}


def to_command(
    order: PurchaseOrder,
    profile: PartnerProfile,
    *,
    interchange_reference: str,
    message_reference: str,
    address_book: AddressLookup | None = None,
) -> PlaceOrder:
    """The canonical order for this ORDERS from this partner. PayloadError names what cannot map.

    ``address_book`` completes a party named by id only (``NAD+DP+5412345000013::9``, a GLN) from the
    partner's address book."""
    if address_book is not None:
        for party in order.parties.values():
            _from_book(party, address_book)
    errors: list[FieldError] = []
    if not order.po_number:
        errors.append(FieldError("BGM.1004", ErrorCode.REQUIRED, "the order number is empty"))
    if order.function in REFUSED_FUNCTIONS:
        reason = f"message function {order.function} is {REFUSED_FUNCTIONS[order.function]}; ORDERS places new orders"
        errors.append(FieldError("BGM.1225", ErrorCode.INVALID_VALUE, reason))
    if not order.lines:
        errors.append(FieldError("LIN", ErrorCode.REQUIRED, "the order has no LIN lines"))
    currency = order.currency or profile.currency
    if not is_currency(currency):
        reason = f"{currency!r} is not an active ISO 4217 currency code"
        errors.append(FieldError("CUX.6345", ErrorCode.UNKNOWN_CURRENCY, reason))
    lines = [_line_request(line, profile, n, errors) for n, line in enumerate(order.lines, start=1)]
    address = _ship_to(order, errors)
    if errors:
        raise PayloadError(ErrorCode.VALIDATION_FAILED, errors)
    assert address is not None
    buyer = order.parties.get("BY")
    return PlaceOrder(
        channel=CHANNEL,
        external_id=f"{profile.partner_id}:{order.po_number}",
        customer=Customer(
            reference=profile.partner_id,
            name=(buyer.name if buyer else "") or profile.name,
            partner_id=profile.partner_id,
        ),
        ship_to=address,
        currency=currency,
        lines=tuple(line for line in lines if line is not None),
        charges=tuple(order.charges),
        references=_references(order, interchange_reference, message_reference),
    )


def our_sku(line: OrderLine, profile: PartnerProfile) -> str | None:
    known = profile.our_sku(line.product_ids)
    if known is not None:
        return known
    for kind in SKU_TYPES:
        if line.product_ids.get(kind):
            return line.product_ids[kind]
    return next(iter(line.product_ids.values()), None)


def _line_request(line: OrderLine, profile: PartnerProfile, n: int, errors: list[FieldError]) -> LineRequest | None:
    where = f"LIN[{n}]"
    sku = our_sku(line, profile)
    if sku is None:
        errors.append(FieldError(f"{where}.C212", ErrorCode.REQUIRED, "the line carries no product id"))
        return None
    if line.quantity is None:
        errors.append(FieldError(f"{where}.QTY", ErrorCode.REQUIRED, "the line has no ordered quantity (QTY+21)"))
        return None
    factor = profile.uom_factors.get(line.unit, 1)
    units = line.quantity * factor
    if units <= 0 or units != units.to_integral_value():
        reason = f"{line.quantity} {line.unit or 'units'} is not a whole number of units"
        errors.append(FieldError(f"{where}.QTY", ErrorCode.INVALID_VALUE, reason))
        return None
    # A price on the line is per the partner's unit; a contract price is per ours already.
    unit_price = line.price / factor if line.price is not None else profile.contract_prices.get(sku)
    if unit_price is None:
        reason = f"the line has no price (PRI AAA or AAB) and the partner has no contract price for {sku}"
        errors.append(FieldError(f"{where}.PRI", ErrorCode.REQUIRED, reason))
        return None
    return LineRequest(sku, int(units), unit_price)


def _from_book(party: Party, address_book: AddressLookup) -> None:
    if not party.id or party.postal_code:
        return
    entry = address_book(edifact_party(party.agency, party.id))
    if entry is None:
        return
    party.name = party.name or entry.name
    party.street = tuple(s for s in (entry.line1, entry.line2) if s)
    party.city, party.region, party.postal_code, party.country = (
        entry.city,
        entry.region,
        entry.postal_code,
        entry.country,
    )


def _ship_to(order: PurchaseOrder, errors: list[FieldError]) -> Address | None:
    party = next((order.parties[q] for q in SHIP_TO if q in order.parties and order.parties[q].postal_code), None)
    if party is None:
        reason = "no ship-to (NAD+ST), delivery party (NAD+DP) or buyer (NAD+BY) address with a postal code"
        errors.append(FieldError("NAD", ErrorCode.REQUIRED, reason))
        return None
    try:
        return Address(
            postal_code=party.postal_code,
            country=party.country.upper(),
            name=party.name,
            line1=party.street[0] if party.street else "",
            line2=" ".join(party.street[1:]),
            city=party.city,
            region=party.region,
        )
    except ValueError as error:
        errors.append(FieldError(f"NAD+{party.qualifier}.3207", ErrorCode.INVALID_COUNTRY, str(error)))
        return None


def _references(order: PurchaseOrder, interchange_reference: str, message_reference: str) -> tuple[Reference, ...]:
    found = [
        Reference("buyer", "po_number", order.po_number),
        Reference("edifact", "interchange", interchange_reference),
        Reference("edifact", "message", message_reference),
    ]
    if order.order_date:
        found.append(Reference("buyer", "order_date", order.order_date))
    if order.delivery_date:
        found.append(Reference("buyer", "requested_delivery", order.delivery_date))
    found += [Reference("buyer", f"rff:{kind}", value) for kind, value in order.references.items()]
    found += [Reference("buyer", f"note:{subject}" if subject else "note", text) for subject, text in order.notes]
    # The store keys references by (system, kind, value) with at most 32 and 255 characters.
    kept = [Reference(r.system, r.kind[:32], r.value[:255]) for r in found if r.value]
    return tuple(dict.fromkeys(kept))
