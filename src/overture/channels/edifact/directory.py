"""Every message schema we check, ORDERS and ORDRSP (``messages.py``) and those added for the
documents we exchange about an order afterwards: CONTRL (D:3), APERAK, DESADV, INVOIC, ORDCHG.

The new schemas follow the UN/EDIFACT directories' message structures read by section as
``schema.py`` does (header up to the first LIN, detail from it, summary from UNS). A message
without LIN groups (CONTRL, APERAK) is all header. DESADV has no UNS: its packaging (CPS, PAC,
GIN) and the closing CNT fall in the detail. Element definitions are added for the segments these
messages bring (UCI, UCM, UCS, UCD, ERC, CPS, PAC, GIN); the others are the directory's already.
"""

from __future__ import annotations

from collections.abc import Mapping

from overture.channels.edifact import messages
from overture.channels.edifact.messages import el, tags
from overture.channels.edifact.schema import ElementSpec, MessageSchema, Required, Section

H, D, S = Section.HEADER, Section.DETAIL, Section.SUMMARY
_NONE: frozenset[str] = frozenset()

ELEMENTS: dict[str, tuple[ElementSpec, ...]] = {
    **messages.ELEMENTS,
    # UCI: 0020 reference, S002 sender, S003 recipient, 0083 action, 0085 error, 0135 tag, S011 element
    "UCI": (
        el(mandatory=True),
        el(4, mandatory=True, required=(1,)),
        el(4, mandatory=True, required=(1,)),
        el(mandatory=True, codes="4 7 8"),
        el(),
        el(),
        el(3, numeric=(1, 2, 3)),
    ),
    # UCM: 0062 message reference, S009 identifier, 0083 action, 0085 error, 0135 tag, S011 element
    "UCM": (
        el(mandatory=True),
        el(7, mandatory=True, required=(1, 2, 3, 4)),
        el(mandatory=True, codes="4 7"),
        el(),
        el(),
        el(3, numeric=(1, 2, 3)),
    ),
    "UCS": (el(mandatory=True, numeric=(1,)), el()),  # 0096 segment position in message, 0085 error
    "UCD": (el(mandatory=True), el(3, mandatory=True, required=(1,), numeric=(1, 2, 3))),  # 0085, S011
    "ERC": (el(3, mandatory=True, required=(1,)),),  # C901 application error: 9321, 1131, 3055
    "CPS": (el(mandatory=True), el(), el()),  # 7164 hierarchical id, 7166 parent, 7075 packaging level
    "PAC": (el(numeric=(1,)), el(3), el(4), el(4), el(3), el(3)),  # 7224 number of packages, ...
    "GIN": (el(mandatory=True, codes="BJ AW BN"), el(2, required=(1,)), el(2), el(2), el(2), el(2)),
}

CONTRL = MessageSchema(
    type="CONTRL",
    releases=frozenset({"D:3", "2:2"}),
    name="Syntax and service report",
    first="UCI",
    sections={H: tags("UCI UCM UCS UCD UCF"), D: _NONE, S: _NONE},
    required=(Required("UCI", H, what="UCI (interchange response)"),),
    max_use={(H, "UCI"): 1},
)

APERAK = MessageSchema(
    type="APERAK",
    releases=frozenset({"D:96A", "D:01B"}),
    name="Application error and acknowledgement",
    first="BGM",
    sections={H: tags("BGM DTM FTX CNT RFF NAD CTA COM ERC"), D: _NONE, S: _NONE},
    required=(
        Required("BGM", H, element=2, what="BGM with the acknowledgement number"),
        Required("DTM", H, frozenset({"137"}), what="DTM+137 (document date)"),
    ),
    max_use={(H, "BGM"): 1},
)

_DESPATCH_PACKING = "CPS PAC PCI GIN GIR MEA QTY HAN FTX DTM RFF"
DESADV = MessageSchema(
    type="DESADV",
    releases=frozenset({"D:96A", "D:01B"}),
    name="Despatch advice",
    first="BGM",
    sections={
        H: tags(f"BGM DTM ALI MEA MOA RFF NAD LOC CTA COM TOD TDT SEL EQD EQA SGP {_DESPATCH_PACKING}"),
        D: tags(f"LIN PIA IMD ALI GIN GIR DLM MOA PRI TAX DGS LOC QVR SGP CNT NAD {_DESPATCH_PACKING}"),
        S: _NONE,
    },
    required=(
        Required("BGM", H, element=2, what="BGM with the despatch advice number"),
        Required("DTM", H, frozenset({"137"}), what="DTM+137 (document date)"),
        Required("RFF", H, frozenset({"ON"}), what="RFF+ON (the buyer's order number)"),
        Required("LIN", D, what="LIN (at least one line despatched)"),
    ),
    max_use={(H, "BGM"): 1, (D, "CNT"): 10},
)

INVOIC = MessageSchema(
    type="INVOIC",
    releases=frozenset({"D:96A", "D:01B"}),
    name="Invoice",
    first="BGM",
    sections={
        H: tags(
            "BGM DTM PAI ALI IMD FTX LOC GIS DGS RFF NAD FII CTA COM TAX MOA CUX PAT PCD TDT TOD PAC MEA PCI "
            "GIN EQD HAN ALC RTE RNG QTY INP GIR"
        ),
        D: tags(
            "LIN PIA IMD MEA QTY PCD ALI DTM GIN GIR QVR EQD FTX MOA PAT PRI RFF PAC PCI LOC TAX NAD FII CTA "
            "COM ALC RTE RNG TDT TOD DGS HAN CUX"
        ),
        S: tags("UNS CNT MOA RFF DTM TAX ALC"),
    },
    required=(
        Required("BGM", H, element=2, what="BGM with the invoice number"),
        Required("DTM", H, frozenset({"137"}), what="DTM+137 (invoice date)"),
        Required("LIN", D, what="LIN (at least one line invoiced)"),
        Required("UNS", S),
        Required("MOA", S, frozenset({"77", "86"}), what="MOA+77/86 (the invoice amount)"),
    ),
    max_use={(H, "BGM"): 1, (S, "UNS"): 1, (S, "CNT"): 10},
)

ORDCHG = MessageSchema(
    type="ORDCHG",
    releases=frozenset({"D:96A", "D:01B"}),
    name="Purchase order change request",
    first="BGM",
    sections=messages.ORDERS.sections,
    required=(
        Required("BGM", H, element=2, what="BGM with the change request number"),
        Required("DTM", H, frozenset({"137"}), what="DTM+137 (document date)"),
        Required("RFF", H, frozenset({"ON"}), what="RFF+ON (the order it changes)"),
        Required("UNS", S),
    ),
    max_use=messages.ORDERS.max_use,
)

# What partners send us and we read (an INVOIC or DESADV from a partner is not ours to read yet, so
# it stays a message we have no schema for); and every schema, for checking what we write.
INBOUND = {**messages.SCHEMAS, ORDCHG.type: ORDCHG}
SCHEMAS = {**INBOUND, **{s.type: s for s in (CONTRL, APERAK, DESADV, INVOIC)}}


def schema_for(
    message_type: str, version: str, release: str, schemas: Mapping[str, MessageSchema] = INBOUND
) -> MessageSchema | None:
    schema = schemas.get(message_type)
    if schema is None or f"{version}:{release}" not in schema.releases:
        return None
    return schema
