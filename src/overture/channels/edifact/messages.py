"""Message schemas as data: ORDERS (D:96A, D:96B, D:01B) and ORDRSP (D:96A, D:01B).

From the UN/EDIFACT directories' message structures, read by section (see ``schema.py``): each
section lists every segment tag that its segment groups hold in these releases, so a partner's
order using groups we do not map (transport, packaging, payment terms) is still accepted. Element
definitions are given for the segments we read or write; the others are only placed.
"""

from __future__ import annotations

from overture.channels.edifact.schema import ElementSpec, MessageSchema, Required, Section

H, D, S = Section.HEADER, Section.DETAIL, Section.SUMMARY


def el(
    components: int = 1,
    *,
    mandatory: bool = False,
    required: tuple[int, ...] = (),
    numeric: tuple[int, ...] = (),
    codes: str = "",
    max_length: int = 0,
) -> ElementSpec:
    return ElementSpec(
        components, mandatory, frozenset(required), frozenset(numeric), frozenset(codes.split()), max_length
    )


_C212 = el(4)  # item number identification: number, type (SA, EN, IN, BP, ...), list, agency
ELEMENTS: dict[str, tuple[ElementSpec, ...]] = {
    "BGM": (el(4), el(3), el(), el()),  # C002 document name, C106 number (1004 in 96A), 1225 function, 4343
    "DTM": (el(3, mandatory=True, required=(1,)),),
    "NAD": (
        el(mandatory=True, max_length=3),  # 3035 party function: BY, ST, DP, SU, ...
        el(3, required=(1,)),  # C082 party id, list, agency (9 = GS1)
        el(5, required=(1,)),  # C058 name and address lines
        el(6, required=(1,)),  # C080 party name
        el(4, required=(1,)),  # C059 street
        el(),  # 3164 city
        el(2),  # 3229 (96A) / C819 (01B) country subdivision
        el(),  # 3251 postal code
        el(max_length=3),  # 3207 country
    ),
    "LIN": (el(), el(), _C212, el(2), el(), el()),  # 1082 line number, 1229 action, item, sub-line, ...
    "PIA": (el(mandatory=True), el(4, mandatory=True), _C212, _C212, _C212, _C212),
    "IMD": (el(), el(3), el(5), el()),  # 7077, C272 characteristic, C273 description, 7383
    "QTY": (el(3, mandatory=True, required=(1, 2), numeric=(2,)),),  # qualifier (21 ordered), quantity, unit
    "PRI": (el(6, required=(1,), numeric=(2, 5)), el()),  # AAA net / AAB gross, price, type, ..., basis, unit
    "MOA": (el(5, mandatory=True, required=(1,), numeric=(2,)),),
    "CUX": (el(4), el(4), el(numeric=(1,)), el()),
    "FTX": (el(mandatory=True), el(), el(3), el(5), el(), el()),
    "RFF": (el(5, mandatory=True, required=(1,)),),
    "UNS": (el(mandatory=True, codes="D S"),),
    "CNT": (el(3, mandatory=True, required=(1, 2), numeric=(2,)),),
    "ALC": (el(mandatory=True), el(2), el(), el(), el(5)),
    "TAX": (el(mandatory=True), el(3), el(3), el(), el(4, numeric=(4,)), el(), el(), el()),
    "MEA": (el(mandatory=True), el(4), el(6, numeric=(2, 3, 4, 5)), el()),
}


# Segment tags by section, shared by ORDERS and ORDRSP (the two messages have the same groups).
def tags(text: str) -> frozenset[str]:
    return frozenset(text.split())


_HEADER = tags(
    "BGM DTM PAI ALI IMD FTX GIR RFF NAD LOC FII DOC CTA COM TAX MOA CUX PCD PAT TDT TOD PAC MEA PCI GIN "
    "EQD HAN SCC QTY APR RNG ALC RTE RCS AJT INP"
)
_DETAIL = tags(
    "LIN PIA IMD MEA QTY PCD ALI DTM MOA GIN GIR QVR DOC PAI FTX CCI CAV PAT PRI CUX APR RNG RFF PAC PCI "
    "LOC TAX NAD FII CTA COM ALC RTE TDT TOD EQD HAN SCC RCS STG DGS AJT INP"
)
_SUMMARY = tags("UNS MOA CNT ALC ALI")
_SECTIONS = {H: _HEADER, D: _DETAIL, S: _SUMMARY}
_MAX_USE = {(H, "BGM"): 1, (H, "DTM"): 35, (S, "UNS"): 1, (S, "CNT"): 10}

ORDERS = MessageSchema(
    type="ORDERS",
    releases=frozenset({"D:96A", "D:96B", "D:01B"}),
    name="Purchase order",
    first="BGM",
    sections=_SECTIONS,
    required=(
        Required("BGM", H, element=2, what="BGM with the order number"),
        Required("DTM", H, frozenset({"137"}), what="DTM+137 (order date)"),
        # EANCOM names the delivery party DP; plain UN/EDIFACT users write ST.
        # An address or an id the partner's address book knows (a GLN alone): the mapping resolves it.
        Required("NAD", H, frozenset({"BY", "ST", "DP"}), what="NAD+BY/ST/DP (buyer, ship-to or delivery party)"),
        Required("LIN", D, what="LIN (at least one line)"),
        Required("UNS", S),
    ),
    max_use=_MAX_USE,
)

ORDRSP = MessageSchema(
    type="ORDRSP",
    releases=frozenset({"D:96A", "D:01B"}),
    name="Purchase order response",
    first="BGM",
    sections=_SECTIONS,
    required=(
        Required("BGM", H, element=2, what="BGM with the response number"),
        Required("DTM", H, frozenset({"137"}), what="DTM+137 (document date)"),
        Required("UNS", S),
    ),
    max_use=_MAX_USE,
)

SCHEMAS = {schema.type: schema for schema in (ORDERS, ORDRSP)}


def schema_for(message_type: str, version: str, release: str) -> MessageSchema | None:
    schema = SCHEMAS.get(message_type)
    if schema is None or f"{version}:{release}" not in schema.releases:
        return None
    return schema
