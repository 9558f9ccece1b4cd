"""The standard's transaction-set tables, as data: one file per set and version in ``tables/``.

``tables/<set>.<version>.json`` is a set's segment table (segment order, loops, usage, max use);
``tables/segments.<version>.json`` the version's segment directory (each segment's elements and
syntax notes, the code lists of the elements the hub acts upon, and every segment id of the
standard). ``scripts/x12_tables.py`` made them from public tables (``tables/PROVENANCE.md``).

Versions are read by release: GS08 004010VICS uses the 004010 tables, 005010X230 the 005010
ones. Releases before 004010 (003040, 003050, ...) still come from some partners; they are read
against the 004010 tables, a superset for these sets in all but a few element lengths, and
releases after 005010 against the 005010 tables (the newest we hold).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from overture.channels.x12.elements import Element, SegmentDef, SyntaxRule
from overture.channels.x12.schema import UNBOUNDED, Loop, Node, Seg, TransactionSchema, all_tags
from overture.domain.digits import is_digits

TABLES = resources.files("overture.channels.x12") / "tables"
RELEASES = ("004010", "005010")


def release_of(version: str) -> str | None:
    """The release whose tables read a GS08 version, or None when it is not an X12 version we know."""
    release = version[:6]
    if not (len(release) == 6 and is_digits(release)):
        return None
    if release < "003000":
        return None
    return "004010" if release < "005000" else "005010"


def schema_for(code: str, version: str) -> TransactionSchema | None:
    """The schema for a transaction set in a GS08 version (e.g. 004010VICS, 005010X230), if we have one."""
    release = release_of(version)
    if release is None:
        return None
    return _schema(code, release)


def supported_sets(release: str) -> list[str]:
    return sorted(
        p.name.split(".")[0] for p in TABLES.iterdir() if p.name.endswith(f".{release}.json") and is_digits(p.name[0])
    )


@cache
def _schema(code: str, release: str) -> TransactionSchema | None:
    table = TABLES / f"{code}.{release}.json"
    if not table.is_file():
        return None
    data = json.loads(table.read_text(encoding="utf-8"))
    segments, tags = _directory(release)
    body = tuple(_node(n) for n in data["body"])
    return TransactionSchema(code, release, data["name"], body, segments, tags, frozenset(all_tags(body)))


@cache
def _directory(release: str) -> tuple[dict[str, SegmentDef], frozenset[str]]:
    data = json.loads((TABLES / f"segments.{release}.json").read_text(encoding="utf-8"))
    codes = {element: frozenset(values) for element, values in data["codes"].items()}
    segments = {
        tag: SegmentDef.of(
            tuple(_element(e, codes) for e in segment["elements"]),
            tuple(SyntaxRule.parse(note) for note in segment["syntax"]),
            segment["name"],
        )
        for tag, segment in data["segments"].items()
    }
    return segments, frozenset(data["all_tags"])


def _element(data: dict[str, Any], codes: dict[str, frozenset[str]]) -> Element:
    components = tuple(_element(c, codes) for c in data.get("components", ()))
    return Element(
        data["type"],
        int(data.get("min", 0)),
        int(data.get("max", 0)),
        bool(data["required"]),
        codes.get(data.get("codes") or "", frozenset()),
        components,
        data["id"],
        data["name"],
    )


def _node(data: dict[str, Any]) -> Node:
    high = data["max"]
    max_use = UNBOUNDED if high is None else int(high)
    required = int(data["min"]) > 0
    if "loop" in data:
        return Loop(data["loop"], tuple(_node(c) for c in data["body"]), required, max_use)
    return Seg(data["segment"], required, max_use)
