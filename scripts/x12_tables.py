"""Regenerate src/overture/channels/x12/tables/ from public tables of the X12 standard.

Not run by the build: its output is committed. Run it again to add a transaction set or a version:

    python scripts/x12_tables.py /path/to/libedi-json /path/to/pyx12/map

Sources (tables/PROVENANCE.md names them with their commits and licences):
- segment order, loops, usage and max use of each set, each segment's elements (type, lengths,
  mandatory, composites) and the code lists: freight-trust/libedi (`library/00401/*.js` turned
  into JSON with node, `library/00501/*.json` as they are);
- element syntax notes (P, R, E, C, L) and N0/N2 decimals: pyx12's maps (BSD), with the notes of
  the supply-chain segments pyx12's health-care maps do not carry written below from the standard.

The libedi files are read from a folder holding `00401.json`, `00401_850.json`, ... and
`00501.json`, `00501_850.json`, ... (see the Makefile-free recipe in the PROVENANCE file).
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "src" / "overture" / "channels" / "x12" / "tables"
SETS = {
    "180": "Return Merchandise Authorization and Notification",
    "810": "Invoice",
    "812": "Credit/Debit Adjustment",
    "820": "Payment Order/Remittance Advice",
    "832": "Price/Sales Catalog",
    "846": "Inventory Inquiry/Advice",
    "850": "Purchase Order",
    "855": "Purchase Order Acknowledgment",
    "856": "Ship Notice/Manifest",
    "860": "Purchase Order Change Request - Buyer Initiated",
    "865": "Purchase Order Change Acknowledgment/Request - Seller Initiated",
    "940": "Warehouse Shipping Order",
    "945": "Warehouse Shipping Advice",
    "997": "Functional Acknowledgment",
    "999": "Implementation Acknowledgment",
}
RELEASES = {"004010": "00401", "005010": "00501"}

# Element ids whose code lists are kept: the ones the hub reads or writes and acts upon. Other ID
# elements are checked for length only, so a code of a later release does not refuse a document.
READ_CODES = {
    "92",  # BEG02 purchase order type
    "98",  # N101 entity identifier
    "66",  # N103 identification code qualifier
    "100",  # CUR02 currency
    "143",  # ST01 / AK201 transaction set identifier
    "235",  # PO106.. product/service id qualifier
    "353",  # BEG01 / BAK01 / BCH01 transaction set purpose
    "355",  # PO103 unit of measurement
    "374",  # DTM01 date/time qualifier
    "479",  # GS01 / AK101 functional identifier
    "587",  # BAK02 acknowledgment type
    "668",  # ACK01 line item status
    "670",  # POC02 change or response type
    "715",  # AK901 functional group acknowledge code
    "716",  # AK905 functional group syntax error code
    "717",  # AK501 transaction set acknowledgment code
    "718",  # AK502 transaction set syntax error code
    "720",  # AK304 segment syntax error code
    "723",  # AK403 element syntax error code
    "735",  # HL03 hierarchical level
}

# Syntax notes of the standard for segments pyx12's maps do not carry (X12 segment directory,
# "Syntax Notes"; P paired, R at least one, E at most one, C conditional, L list conditional).


def _pairs(first: int, last: int) -> list[str]:
    return [f"P{n:02d}{n + 1:02d}" for n in range(first, last, 2)]


SYNTAX_SUPPLEMENT: dict[str, list[str]] = {
    "N1": ["R0203", "P0304"],
    "REF": ["R0203"],
    "PER": ["P0304", "P0506", "P0708"],
    "DTM": ["R020305", "C0403", "P0506"],
    "PO1": ["C0302", "C0504", *_pairs(6, 25)],
    "IT1": ["P020304", *_pairs(6, 25)],
    "LIN": _pairs(2, 31),
    "PID": ["C0403", "R0405", "C0703", "C0804", "C0905"],
    "CTT": ["P0304", "P0506"],
    "SAC": ["R0203", "P0304", "P0607", "P0910"],
    "TD5": ["R0204050612", "C0203"],
    "N9": ["R0203"],
    "SDQ": _pairs(5, 22),
    "TD1": ["C0102", "P0708"],
    "FOB": ["C0302"],
    "ACK": ["P0203", "C0405", *_pairs(7, 28)],
    "POC": _pairs(8, 27),
}
# Where the libedi tables are wrong against the standard: element id -> (min, max).
LENGTH_FIXES = {
    "1705": (1, 35),  # ST03 / AK203 implementation convention reference is AN 1/35
    "156": (2, 2),  # N402 state or province code is ID 2/2 (005010 had no length at all)
    # The acknowledgement codes are ID 1/3 (the lengths of their code lists, 1 or 2, are too narrow).
    **{element: (1, 3) for element in ("716", "718", "720", "723", "618", "620", "621")},
}
# Usage the libedi data gets wrong: (release, segment, position) -> mandatory.
REQUIRED_FIXES = {("005010", "AK4", 1): True, ("005010", "IK4", 1): True, ("005010", "CTX", 1): True}
# Elements a release does not have: 004010's ST ends at ST02 (ST03 came with later releases).
DROPPED = {("004010", "ST"): 2}
# pyx12 takes N4's notes from 5010, where N407 exists; 4010's N4 has six elements.
VERSION_SYNTAX = {("004010", "N4"): ["C0605"]}


def main(libedi: Path, pyx12_maps: Path) -> None:
    syntax = {release: _pyx12_syntax(pyx12_maps, release) for release in RELEASES}
    decimals = _pyx12_decimals(pyx12_maps)
    OUT.mkdir(parents=True, exist_ok=True)
    # A code of one release is read in all: partners keep the codes they started with, and a
    # later release dropping one (98 "RE" left the 005010 list) must not refuse their documents.
    union: dict[str, set[str]] = {}
    for release in RELEASES.values():
        for element, values in _codes(_load(libedi / f"{release}.json"), None).items():
            union.setdefault(element, set()).update(values)
    for version, release in RELEASES.items():
        dictionary = _load(libedi / f"{release}.json")
        used: set[str] = set()
        for code, name in SETS.items():
            source = libedi / f"{release}_{code}.json"
            if not source.exists():
                continue
            body = [_node(n) for n in _load(source)["TransactionSet"] if _id(n) not in ("ST", "SE")]
            used |= _tags(body)
            _write(OUT / f"{code}.{version}.json", {"code": code, "version": version, "name": name, "body": body})
        used |= {"ST", "SE"}
        segments = {tag: _segment(tag, dictionary, syntax[version], decimals, version) for tag in sorted(used)}
        codes = {element: sorted(union[element]) for element in _codes(dictionary, segments)}
        _write(
            OUT / f"segments.{version}.json",
            {"version": version, "all_tags": sorted(dictionary["Segments"]), "segments": segments, "codes": codes},
        )


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def _id(node: dict[str, Any]) -> str:
    return str(node.get("ID") or node.get("Id"))


def _node(node: dict[str, Any]) -> dict[str, Any]:
    low = int(node.get("Min", 1))
    high = node.get("Max", 1)
    bound = None if high == "unbounded" else int(high)
    if "Loop" in node:
        children = [_node(c) for c in node["Loop"]]
        name = re.sub(r"Loop\d*$", "", _id(node))
        return {"loop": name, "min": low, "max": bound, "body": children}
    return {"segment": _id(node), "min": low, "max": bound}


def _tags(body: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for node in body:
        if "loop" in node:
            found |= _tags(node["body"])
        else:
            found.add(node["segment"])
    return found


def _segment(
    tag: str, dictionary: dict[str, Any], syntax: dict[str, list[str]], decimals: dict[str, str], version: str
) -> dict[str, Any]:
    definition = dictionary["Segments"][tag]
    elements = [_element(e, dictionary, decimals) for e in definition.get("Elements", [])]
    elements = elements[: DROPPED.get((version, tag), len(elements))]
    for n, element in enumerate(elements, start=1):
        element["required"] = REQUIRED_FIXES.get((version, tag, n), element["required"])
    rules = VERSION_SYNTAX.get((version, tag)) or syntax.get(tag) or SYNTAX_SUPPLEMENT.get(tag, [])
    rules = [r for r in rules if max(int(r[i : i + 2]) for i in range(1, len(r), 2)) <= len(elements)]
    return {"name": definition.get("Desc", ""), "elements": elements, "syntax": rules}


def _element(element: dict[str, Any], dictionary: dict[str, Any], decimals: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": element["Id"],
        "name": element.get("Desc", ""),
        "required": bool(element.get("Required", False)),
    }
    if "Components" in element:
        out["type"] = "C"
        out["components"] = [_element(c, dictionary, decimals) for c in element["Components"]]
        return out
    qualifier = element.get("QualifierRef")
    kind = element.get("DataType") or ("ID" if qualifier else "AN")
    if kind == "N":
        kind = decimals.get(element["Id"], "N0")
    out["type"] = kind
    if qualifier:
        codes = dictionary["Qualifiers"].get(qualifier, {})
        lengths = [len(c) for c in codes] or [1]
        out["min"], out["max"] = element.get("MinLength", min(lengths)), element.get("MaxLength", max(lengths))
        if element["Id"] in READ_CODES and codes:
            out["codes"] = element["Id"]
    else:
        out["min"], out["max"] = max(int(element.get("MinLength", 1)), 1), int(element.get("MaxLength", 80))
    if element["Id"] in LENGTH_FIXES:
        out["min"], out["max"] = LENGTH_FIXES[element["Id"]]
    return out


def _codes(dictionary: dict[str, Any], segments: dict[str, Any] | None) -> dict[str, list[str]]:
    """The code lists of the elements in READ_CODES that ``segments`` use (all segments: None)."""
    found: dict[str, list[str]] = {}

    def visit(elements: list[dict[str, Any]]) -> None:
        for e in elements:
            if e.get("components"):
                visit(e["components"])
            elif e.get("codes"):
                found[e["id"]] = sorted(dictionary["Qualifiers"][qualifiers[e["id"]]])

    qualifiers = {
        e["Id"]: e["QualifierRef"]
        for s in dictionary["Segments"].values()
        for e in _flat(s.get("Elements", []))
        if e.get("QualifierRef")
    }
    if segments is None:
        return {e: sorted(dictionary["Qualifiers"][q]) for e, q in qualifiers.items() if e in READ_CODES}
    for segment in segments.values():
        visit(segment["elements"])
    return dict(sorted(found.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0))


def _flat(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for e in elements for c in (_flat(e["Components"]) if "Components" in e else [e])]


def _pyx12_syntax(maps: Path, version: str) -> dict[str, list[str]]:
    """Syntax notes by segment from pyx12's maps of this release first, then of the other."""
    mine: dict[str, set[str]] = {}
    others: dict[str, set[str]] = {}
    for path in sorted(maps.glob("*.xml")):
        target = mine if f".{version[1:5]}." in path.name else others
        for segment in ET.parse(path).getroot().iter("segment"):
            rules = [s.text for s in segment.findall("syntax") if s.text]
            if rules:
                target.setdefault(segment.get("xid", ""), set()).update(rules)
    merged = {tag: sorted(rules) for tag, rules in others.items()}
    merged.update({tag: sorted(rules) for tag, rules in mine.items()})
    return merged


def _pyx12_decimals(maps: Path) -> dict[str, str]:
    root = ET.parse(maps / "dataele.xml").getroot()
    return {
        e.get("ele_num", ""): e.get("data_type", "") for e in root.iter("data_ele") if e.get("data_type", "")[:1] == "N"
    }


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
