"""Transaction-set schemas as data: 850, 855, 856, 810, 846 and 997, in 4010 and 5010.

From the X12 standard's segment tables (version 004010, with the 005010 changes that matter to
these sets: longer PER04, N102 and N301, and ST03 / AK103). Segments a set allows but that we do
not map are listed so they are accepted in order; only the ones we read or write have their
elements defined in full.
"""

from __future__ import annotations

from overture.channels.x12.schema import UNBOUNDED, Element, Loop, Node, Seg, TransactionSchema

M, O = True, False  # noqa: E741 - mandatory / optional, as the standard's tables write them
N = UNBOUNDED


def e(kind: str, low: int, high: int, required: bool = O, codes: str = "") -> Element:
    return Element(kind, low, high, required, frozenset(codes.split()) if codes else frozenset())


def an(low: int, high: int, required: bool = O) -> Element:
    return e("AN", low, high, required)


def ids(low: int, high: int, required: bool = O, codes: str = "") -> Element:
    return e("ID", low, high, required, codes)


def pairs(count: int, value_max: int = 48) -> tuple[Element, ...]:
    """Qualifier/value pairs, as in PO1 06-25 and LIN 02-31."""
    return tuple(x for _ in range(count) for x in (ids(2, 2), an(1, value_max)))


def s(tag: str, required: bool = O, max_use: int = 1) -> Seg:
    return Seg(tag, required, max_use)


def loop(name: str, *children: Node, required: bool = O, max_use: int = N) -> Loop:
    return Loop(name, tuple(children), required, max_use)


_BAK_REST = (ids(2, 2), an(1, 80), e("DT", 8, 8), an(1, 30))
_PO4_REST: tuple[Element, ...] = (e("R", 1, 9), ids(2, 2), e("R", 1, 8), e("R", 1, 8), e("R", 1, 8), ids(2, 2))
_PO4_REST = (*_PO4_REST, e("N0", 1, 6), an(1, 45), an(1, 45), ids(2, 2), e("N0", 1, 6))
_SAC_REST: tuple[Element, ...] = (e("R", 1, 9), ids(2, 2), e("R", 1, 15), e("R", 1, 15), ids(2, 2), an(1, 30))
_SAC_REST = (*_SAC_REST, an(1, 30), an(1, 80), ids(2, 3))

ELEMENTS_4010: dict[str, tuple[Element, ...]] = {
    "ST": (ids(3, 3, M), an(4, 9, M)),
    "SE": (e("N0", 1, 10, M), an(4, 9, M)),
    "BEG": (ids(2, 2, M), ids(2, 2, M), an(1, 22, M), an(1, 30), e("DT", 8, 8, M), an(1, 30), ids(2, 2), ids(2, 2)),
    "BAK": (*(ids(2, 2, M), ids(2, 2, M), an(1, 22, M), e("DT", 8, 8, M), an(1, 30), an(1, 30)), *_BAK_REST),
    "BSN": (ids(2, 2, M), an(2, 30, M), e("DT", 8, 8, M), e("TM", 4, 8, M), ids(4, 4), ids(2, 2), ids(1, 2)),
    "BIG": (e("DT", 8, 8, M), an(1, 22, M), e("DT", 8, 8), an(1, 22), an(1, 30), an(1, 8), ids(2, 2), ids(2, 2)),
    "BIA": (ids(2, 2, M), ids(2, 2, M), an(1, 30, M), e("DT", 8, 8, M), e("TM", 4, 8), ids(2, 2)),
    "CUR": (ids(2, 3, M), ids(3, 3, M), e("R", 4, 10)),
    "REF": (ids(2, 3, M), an(1, 30), an(1, 80), e("C", 1, 200)),
    "PER": (ids(2, 2, M), an(1, 60), ids(2, 2), an(1, 80), ids(2, 2), an(1, 80), ids(2, 2), an(1, 80), an(1, 20)),
    "DTM": (ids(3, 3, M), e("DT", 8, 8), e("TM", 4, 8), ids(2, 2), ids(2, 3), an(1, 35)),
    "N1": (ids(2, 3, M), an(1, 35), ids(1, 2), an(2, 80), ids(2, 2), ids(2, 3)),
    "N2": (an(1, 60, M), an(1, 60)),
    "N3": (an(1, 55, M), an(1, 55)),
    "N4": (an(2, 30), ids(2, 2), ids(3, 15), ids(2, 3), ids(1, 2), an(1, 30)),
    "PO1": (an(1, 20), e("R", 1, 15), ids(2, 2), e("R", 1, 17), ids(2, 2), *pairs(10)),
    "PID": (ids(1, 1, M), ids(2, 3), ids(2, 2), an(1, 12), an(1, 80), ids(2, 3), an(1, 80), ids(1, 1), ids(2, 3)),
    "PO4": (e("N0", 1, 6), e("R", 1, 8), ids(2, 2), an(3, 5), ids(1, 1), e("R", 1, 9), ids(2, 2), *_PO4_REST),
    "CTT": (e("N0", 1, 6, M), e("R", 1, 10), e("R", 1, 10), ids(2, 2), e("R", 1, 8), ids(2, 2), an(1, 80)),
    "AMT": (ids(1, 3, M), e("R", 1, 18, M), ids(1, 1)),
    "ACK": (ids(2, 2, M), e("R", 1, 15), ids(2, 2), ids(3, 3), e("DT", 8, 8), an(1, 30), *pairs(11), ids(1, 2)),
    "HL": (an(1, 12, M), an(1, 12), ids(1, 2, M), ids(1, 1)),
    "LIN": (an(1, 20), *pairs(15)),
    "SN1": (an(1, 20), e("R", 1, 10, M), ids(2, 2, M), e("R", 1, 15), e("R", 1, 9), ids(2, 2)),
    "PRF": (an(1, 22, M), an(1, 30), an(1, 8), e("DT", 8, 8)),
    "TD1": (an(3, 5), e("N0", 1, 7), ids(1, 1), ids(1, 2), an(1, 50), ids(1, 2), e("R", 1, 10), ids(2, 2)),
    "TD5": (ids(1, 2), ids(1, 2), an(2, 80), ids(1, 2), an(1, 35), ids(2, 2), ids(1, 2), an(1, 30), ids(2, 2)),
    "MAN": (ids(1, 2, M), an(1, 48, M), an(1, 48), ids(1, 2), an(1, 48), an(1, 48)),
    "IT1": (an(1, 20), e("R", 1, 10), ids(2, 2), e("R", 1, 17), ids(2, 2), *pairs(10)),
    "TDS": (e("N2", 1, 15, M), e("N2", 1, 15), e("N2", 1, 15), e("N2", 1, 15)),
    "SAC": (ids(1, 1, M), ids(4, 4), ids(2, 2), an(1, 10), e("N2", 1, 15), ids(1, 1), e("R", 1, 6), *_SAC_REST),
    "QTY": (ids(2, 2, M), e("R", 1, 15), e("C", 1, 30)),
    "AK1": (ids(2, 2, M), e("N0", 1, 9, M)),
    "AK2": (ids(3, 3, M), an(4, 9, M)),
    "AK3": (ids(2, 3, M), e("N0", 1, 10, M), an(1, 6), ids(1, 3)),
    "AK4": (e("C", 1, 20, M), e("N0", 1, 4), ids(1, 3, M), an(1, 99)),
    "AK5": (ids(1, 1, M, "A E M P R W X"), ids(1, 3), ids(1, 3), ids(1, 3), ids(1, 3), ids(1, 3)),
    "AK9": (ids(1, 1, M, "A E M P R W X"), e("N0", 1, 6, M), e("N0", 1, 6, M), e("N0", 1, 6, M), *[ids(1, 3)] * 5),
}


def _elements_5010() -> dict[str, tuple[Element, ...]]:
    changed = dict(ELEMENTS_4010)
    changed["ST"] = (*ELEMENTS_4010["ST"], an(1, 35))
    changed["AK1"] = (*ELEMENTS_4010["AK1"], an(1, 12))
    changed["AK2"] = (*ELEMENTS_4010["AK2"], an(1, 35))
    per = list(ELEMENTS_4010["PER"])
    per[3] = per[5] = per[7] = an(1, 256)
    changed["PER"] = tuple(per)
    changed["N1"] = (ids(2, 3, M), an(1, 60), ids(1, 2), an(2, 80), ids(2, 2), ids(2, 3))
    return changed


ELEMENTS_5010 = _elements_5010()


def _party(*extra: Node) -> Loop:
    return loop("N1", s("N1", M), s("N2", O, 2), s("N3", O, 2), s("N4", O, N), s("REF", O, 12), s("PER", O, N), *extra)


_SHIPPING_HEADER = (s("PKG", O, 200), s("TD1", O, 2), s("TD5", O, 12), s("TD3", O, 12), s("TD4", O, 5))


def _line_items(*, purchase_order: bool) -> Loop:
    """The PO1 loop, which the 850 and the 855 share but for a few segments each has alone."""

    def only_850(*nodes: Node) -> tuple[Node, ...]:
        return nodes if purchase_order else ()

    def only_855(*nodes: Node) -> tuple[Node, ...]:
        return () if purchase_order else nodes

    return loop(
        "PO1",
        s("PO1", M),
        s("LIN", O, N),
        s("SI", O, N),
        s("CUR"),
        *only_850(s("CN1")),
        s("PO3", O, 25),
        loop("CTP", s("CTP", M), s("CUR")),
        s("PAM", O, 10),
        s("MEA", O, 40),
        loop("PID", s("PID", M), s("MEA", O, 10), max_use=1000),
        s("PWK", O, 25),
        s("PO4", O, N),
        s("REF", O, N),
        s("PER", O, 3),
        loop("SAC", s("SAC", M), s("CUR"), s("CTP"), max_use=25),
        s("IT8"),
        s("CSH", O, N),
        s("ITD", O, 2),
        s("DIS", O, 20),
        *only_850(s("INC")),
        s("TAX", O, N),
        s("FOB", O, N),
        s("SDQ", O, 500),
        s("IT3", O, 5),
        s("DTM", O, 10),
        *only_850(s("TC2", O, N)),
        s("TD1"),
        s("TD5", O, 12),
        s("TD3", O, 12),
        s("TD4", O, 5),
        *only_850(s("PCT", O, N)),
        s("MAN", O, 10),
        s("MSG", O, N),
        s("SPI", O, N),
        s("CTB", O, N),
        *only_850(s("TXI", O, N)),
        *only_855(loop("ACK", s("ACK", M), s("DTM", O, N), max_use=104)),
        loop("SCH", s("SCH", M), s("TD1", O, 2), s("TD5", O, 12), s("TD3", O, 12), s("TD4", O, 5), s("REF", O, N)),
        _party(s("QTY", O, N), s("DTM"), s("SCH", O, 200), s("TD1", O, 2), s("TD5", O, 12), s("PKG", O, 200)),
        loop("SLN", s("SLN", M), s("MSG", O, N), s("SI", O, N), s("PID", O, 1000), s("PO3", O, 104), max_use=1000),
        *only_850(loop("AMT", s("AMT", M), s("REF"), s("DTM"), s("PCT", O, N))),
        required=purchase_order,
        max_use=100_000,
    )


PO_850: tuple[Node, ...] = (
    s("BEG", M),
    s("CUR"),
    s("REF", O, N),
    s("PER", O, 3),
    s("TAX", O, N),
    s("FOB", O, N),
    s("CTP", O, N),
    s("PAM", O, 10),
    s("CSH", O, 5),
    s("TC2", O, N),
    loop("SAC", s("SAC", M), s("CUR"), max_use=25),
    s("ITD", O, N),
    s("DIS", O, 20),
    s("INC"),
    s("DTM", O, 10),
    s("LDT", O, 12),
    s("LIN", O, 5),
    s("SI", O, N),
    s("PID", O, 200),
    s("MEA", O, 40),
    s("PWK", O, 25),
    *_SHIPPING_HEADER,
    s("MAN", O, 10),
    s("PCT", O, N),
    s("CTB", O, 5),
    s("TXI", O, N),
    loop("N9", s("N9", M), s("DTM", O, N), s("MSG", O, 1000), max_use=1000),
    _party(s("FOB"), s("TD1", O, 2), s("TD5", O, 12), s("TD3", O, 12), s("TD4", O, 5), s("PKG", O, 200)),
    _line_items(purchase_order=True),
    loop("CTT", s("CTT", M), s("AMT"), max_use=1),
)

POA_855: tuple[Node, ...] = (
    s("BAK", M),
    s("CUR"),
    s("REF", O, N),
    s("PER", O, 3),
    s("TAX", O, N),
    s("FOB", O, N),
    s("CTP", O, N),
    s("PAM", O, 10),
    s("CSH", O, 5),
    loop("SAC", s("SAC", M), s("CUR"), max_use=25),
    s("ITD", O, 5),
    s("DIS", O, 20),
    s("DTM", O, 10),
    s("LDT", O, 12),
    s("SI", O, N),
    s("PID", O, 200),
    s("MEA", O, 40),
    s("PWK", O, 25),
    *_SHIPPING_HEADER,
    s("MAN", O, 10),
    s("TXI", O, N),
    s("CTB", O, 5),
    loop("N9", s("N9", M), s("DTM", O, N), s("MSG", O, 1000), max_use=1000),
    _party(s("FOB"), s("TD1", O, 2), s("TD5", O, 12), s("TD3", O, 12), s("TD4", O, 5), s("PKG", O, 200)),
    _line_items(purchase_order=False),
    loop("CTT", s("CTT", M), s("AMT"), max_use=1),
)

ASN_856: tuple[Node, ...] = (
    s("BSN", M),
    s("DTM", O, 10),
    loop(
        "HL",
        s("HL", M),
        s("LIN"),
        s("SN1"),
        s("SLN", O, N),
        s("PRF"),
        s("PO4"),
        s("PID", O, 200),
        s("MEA", O, 40),
        s("PWK", O, 25),
        s("PKG", O, 25),
        s("TD1", O, 20),
        s("TD5", O, 12),
        s("TD3", O, 12),
        s("TD4", O, 5),
        s("TSD"),
        s("REF", O, 200),
        s("PER", O, 3),
        loop("CLD", s("CLD", M), s("REF", O, 200), s("DTP"), max_use=200),
        s("MAN", O, N),
        s("DTM", O, 10),
        s("FOB"),
        loop("N1", s("N1", M), s("N2", O, 2), s("N3", O, 2), s("N4"), s("REF", O, 12), s("PER", O, 3), max_use=200),
        s("SAC", O, N),
        required=M,
        max_use=200_000,
    ),
    s("CTT"),
)

INVOICE_810: tuple[Node, ...] = (
    s("BIG", M),
    s("NTE", O, 100),
    s("CUR"),
    s("REF", O, 12),
    s("YNQ", O, 10),
    s("PER", O, 3),
    loop(
        "N1", s("N1", M), s("N2", O, 2), s("N3", O, 2), s("N4"), s("REF", O, 12), s("PER", O, 3), s("DMG"), max_use=200
    ),
    s("ITD", O, N),
    s("DTM", O, 10),
    s("FOB"),
    s("PID", O, 200),
    s("MEA", O, 40),
    s("PWK", O, 25),
    s("PKG", O, 25),
    s("L7"),
    s("BAL", O, N),
    s("INC"),
    s("PAM", O, N),
    loop("LM", s("LM", M), s("LQ", O, N), max_use=10),
    loop("N9", s("N9", M), s("MSG", O, 10), max_use=1),
    loop("V1", s("V1", M), s("R4", O, N), s("DTM", O, N), max_use=N),
    loop("FA1", s("FA1", M), s("FA2", O, N), max_use=N),
    loop(
        "IT1",
        s("IT1", M),
        s("CRC"),
        s("QTY", O, 5),
        s("CUR"),
        s("IT3", O, 5),
        s("TXI", O, 10),
        s("CTP", O, 25),
        s("PAM", O, 10),
        s("MEA", O, 40),
        loop("PID", s("PID", M), s("MEA", O, 10), max_use=1000),
        s("PWK", O, 25),
        s("PKG", O, 25),
        s("PO4"),
        s("ITD", O, 2),
        s("REF", O, N),
        s("YNQ", O, 10),
        s("PER", O, 5),
        s("IT8", O, 25),
        s("PDC", O, 10),
        s("DTM", O, 10),
        s("CAD"),
        s("L7", O, N),
        s("SR"),
        loop("SAC", s("SAC", M), s("TXI", O, 10), max_use=25),
        loop("SLN", s("SLN", M), s("DTM"), s("REF", O, N), s("PID", O, 1000), s("SAC", O, 25), max_use=1000),
        loop("N1", s("N1", M), s("N2", O, 2), s("N3", O, 2), s("N4"), s("REF", O, 12), s("PER", O, 3), max_use=200),
        max_use=200_000,
    ),
    s("TDS", M),
    s("TXI", O, 10),
    s("CAD"),
    s("AMT", O, N),
    loop("SAC", s("SAC", M), s("TXI", O, 10), max_use=25),
    loop("ISS", s("ISS", M), s("PID"), max_use=N),
    s("CTT"),
)

INVENTORY_846: tuple[Node, ...] = (
    s("BIA", M),
    s("CUR"),
    s("REF", O, 12),
    s("PER", O, 3),
    s("MEA", O, 10),
    s("PSC", O, N),
    s("DTM", O, 10),
    loop("LM", s("LM", M), s("LQ", O, N), max_use=10),
    loop("N1", s("N1", M), s("N2", O, 2), s("N3", O, 2), s("N4"), s("PER", O, 3), max_use=200),
    loop(
        "LIN",
        s("LIN", M),
        s("SI", O, N),
        s("PID", O, 200),
        s("MEA", O, 40),
        s("PWK", O, 25),
        s("PKG", O, 25),
        s("TD1"),
        s("TD5", O, 12),
        s("DTM", O, 10),
        s("REF", O, N),
        s("PER", O, 3),
        s("SAC", O, N),
        loop("CTP", s("CTP", M), s("CUR")),
        loop("QTY", s("QTY", M), s("UIT"), s("DTM", O, 10), s("LDT"), s("REF", O, N), max_use=N),
        loop("N1", s("N1", M), s("N2", O, 2), s("N3", O, 2), s("N4"), s("QTY", O, N), max_use=N),
        max_use=10_000_000,
    ),
    s("CTT"),
)

ACK_997: tuple[Node, ...] = (
    s("AK1", M),
    loop(
        "AK2",
        s("AK2", M),
        loop("AK3", s("AK3", M), s("AK4", O, 99), max_use=N),
        s("AK5", M),
        max_use=N,
    ),
    s("AK9", M),
)

_BODIES = {
    "850": ("Purchase Order", PO_850),
    "855": ("Purchase Order Acknowledgment", POA_855),
    "856": ("Ship Notice/Manifest", ASN_856),
    "810": ("Invoice", INVOICE_810),
    "846": ("Inventory Inquiry/Advice", INVENTORY_846),
    "997": ("Functional Acknowledgment", ACK_997),
}
SCHEMAS: dict[tuple[str, str], TransactionSchema] = {}
for _code, (_name, _body) in _BODIES.items():
    SCHEMAS[(_code, "004010")] = TransactionSchema(_code, "004010", _name, _body, ELEMENTS_4010)
    SCHEMAS[(_code, "005010")] = TransactionSchema(_code, "005010", _name, _body, ELEMENTS_5010)


def schema_for(code: str, version: str) -> TransactionSchema | None:
    """The schema for a transaction set in a GS08 version (e.g. 004010VICS, 005010X230), if we have one."""
    release = version[:6]
    if release.startswith("0040"):
        release = "004010"
    elif release.startswith("0050"):
        release = "005010"
    return SCHEMAS.get((code, release))
