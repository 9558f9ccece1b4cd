"""Golden 997, 999 and TA1 for each way a received file can be wrong, in 004010 and in 005010.

Each case is a small change to the clean 850 of ``fixtures.py``; its acknowledgments are written
with a fixed clock and fixed control numbers and compared with ``golden/<case>.<release>.<kind>``.
``EXPECTED`` says, per case, the segments the standard wants in them, so a golden file is not its
own proof. Set ``OVERTURE_UPDATE_GOLDEN=1`` to write the files afresh (then read the diff).
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from overture.channels.x12.acknowledgements import Acknowledgements, Numbering, check_with_notes, write_acknowledgements
from overture.channels.x12.envelope import read
from overture.channels.x12.interchange_checks import interchange_notes
from overture.channels.x12.writer import EnvelopeSpec, Party
from tests.channels.x12.fixtures import PO_850

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
US = EnvelopeSpec(Party("ZZ", "OVERTURE"), Party("ZZ", "ACMEBUYER"))
GOLDEN = Path(__file__).parent / "golden"
SECOND_SET = "ST*850*0002~\nBEG*00*SA*PO-2**20261123~\nPO1*1*1*EA*1.00**BP*ACME-001~\nCTT*1~\nSE*5*0002~\n"


def _edit(*changes: tuple[str, str]) -> str:
    text = PO_850
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


CASES: dict[str, str] = {
    "clean": PO_850,
    "missing_ge": _edit(("GE*1*501~\n", "")),
    "ge01_wrong": _edit(("GE*1*501", "GE*3*501")),
    "gs06_ge02_mismatch": _edit(("GE*1*501", "GE*1*502")),
    "missing_se": _edit(("SE*14*0001~\n", "")),
    "se01_wrong": _edit(("SE*14*0001", "SE*15*0001")),
    "st02_se02_mismatch": _edit(("SE*14*0001", "SE*14*0009")),
    "duplicate_st02": _edit(("GE*1*501", SECOND_SET.replace("0002", "0001") + "GE*2*501")),
    "missing_required_segment": _edit(("BEG*00*SA*PO-7781**20261123~\n", ""), ("SE*14*", "SE*13*")),
    "unexpected_segment": _edit(("US~\nPO1*1", "US~\nDTM*002*20261130~\nPO1*1"), ("SE*14*", "SE*15*")),
    "too_many_segments": _edit(("CUR*BY*USD~\n", "CUR*BY*USD~\nCUR*BY*USD~\n"), ("SE*14*", "SE*15*")),
    "element_too_long": _edit(("*SA*PO-7781*", "*SA*PO-7781-0000000000000000*")),  # BEG03: at most 22
    "element_too_short": _edit(("REF*DP*042", "REF*D*042")),
    "bad_code": _edit(("BEG*00*SA*", "BEG*99*SA*")),
    "bad_date": _edit(("DTM*002*20261130", "DTM*002*20261131")),
    # N103 and N104 go together (syntax note P0304): the validator reports CONDITIONAL_MISSING itself.
    "conditional_missing": _edit(("N1*ST*Acme DC East*92*DC1", "N1*ST*Acme DC East*92")),
    "bad_isa_date": _edit(("*261123*0930*", "*261341*0930*")),
    "iea02_mismatch": _edit(("IEA*1*000000101", "IEA*1*000000999")),
    "missing_iea": _edit(("IEA*1*000000101~\n", "")),
    "isa14_on_a_good_file": _edit(("*000000101*0*P*", "*000000101*1*P*")),
}

# What the standard wants to see, per case, in the 004010 answer (the 999 says the same with IK for AK).
EXPECTED: dict[str, list[str]] = {
    "clean": ["AK5*A~", "AK9*A*1*1*1~"],
    "missing_ge": ["AK9*R*1*1*0*3~"],
    "ge01_wrong": ["AK9*R*3*1*0*5~"],
    "gs06_ge02_mismatch": ["AK9*R*1*1*0*4~"],
    "missing_se": ["AK5*R*2~", "AK9*R*1*1*0~"],
    "se01_wrong": ["AK5*R*4~", "AK9*R*1*1*0~"],
    "st02_se02_mismatch": ["AK5*R*3~"],
    "duplicate_st02": ["AK2*850*0001~\nAK5*A~\nAK2*850*0001~\nAK5*R*23~", "AK9*P*2*2*1~"],
    "missing_required_segment": ["**3~", "AK5*R*5~"],
    "unexpected_segment": ["AK3*DTM*10**2~", "AK5*E*5~"],  # noted, not refused, unless the partner is strict
    "too_many_segments": ["AK3*CUR*4**5~", "AK5*R*5~"],
    "element_too_long": ["AK3*BEG*2**8~\nAK4*3*324*5*PO-7781-0000000000000000~", "AK5*E*5~"],
    "element_too_short": ["AK3*REF*4**8~\nAK4*1*128*4*D~", "AK5*E*5~"],
    "bad_code": ["AK3*BEG*2**8~\nAK4*1*353*7*99~", "AK5*E*5~"],
    "bad_date": ["AK3*DTM*5**8~\nAK4*2*373*8*20261131~", "AK5*R*5~"],
    "conditional_missing": ["AK3*N1*7*N1*8~\nAK4*4*67*2~", "AK5*R*5~"],
    "bad_isa_date": ["TA1*000000101*261123*0930*E*014~", "AK9*A*1*1*1~"],
    "iea02_mismatch": ["TA1*000000101*261123*0930*E*001~"],
    "missing_iea": ["TA1*000000101*261123*0930*E*023~"],
    "isa14_on_a_good_file": ["TA1*000000101*261123*0930*A*000~", "AK9*A*1*1*1~"],
}


def as_5010(text: str) -> str:
    """The same file in 005010: ISA12 00501 with ^ repeating, GS08 005010."""
    return text.replace("*U*00401*", "*^*00501*").replace("*X*004010~", "*X*005010~")


def acknowledge(text: str, *, duplicate: bool = False) -> Acknowledgements:
    """What we answer ``text`` with, control numbers counted from 1 (ISA13) and 7001 (GS06)."""
    document = read(text)
    notes = [interchange_notes(i, duplicate=duplicate) for i in document.interchanges]
    checked = check_with_notes(document, notes)
    isa, gs = itertools.count(1), itertools.count(7001)
    numbering = Numbering(lambda: next(isa), lambda: next(gs))
    return write_acknowledgements(document, checked, notes, US, numbering=numbering, at=AT)


def _files(case: str, release: str) -> dict[str, str]:
    acks = acknowledge(CASES[case] if release == "4010" else as_5010(CASES[case]))
    found = {acks.kind: acks.functional} if acks.functional else {}
    return found | ({"ta1": acks.ta1} if acks.ta1 else {})


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("OVERTURE_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"no golden file {name}: run with OVERTURE_UPDATE_GOLDEN=1"
    assert text == path.read_text(), name


@pytest.mark.parametrize("release", ["4010", "5010"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_acknowledgments_match_their_golden_files(case: str, release: str) -> None:
    files = _files(case, release)
    for kind, text in files.items():
        _compare(f"{case}.{release}.{kind}", text)
    expected_kinds = {f"{case}.{release}.{kind}" for kind in files}
    on_disk = {p.name for p in GOLDEN.glob(f"{case}.{release}.*")}
    assert on_disk == expected_kinds  # no acknowledgment went missing since the files were written


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_acknowledgments_say_what_the_standard_wants(case: str) -> None:
    files = _files(case, "4010")
    text = "".join(files.values())
    for expected in EXPECTED[case]:
        assert expected in text, f"{case}: {expected!r} not in\n{text}"
    answer_999 = "".join(_files(case, "5010").values())
    for expected in EXPECTED[case]:
        assert _as_999(expected) in answer_999, f"{case}: {_as_999(expected)!r} not in\n{answer_999}"


def _as_999(segment: str) -> str:
    return segment.replace("AK3*", "IK3*").replace("AK4*", "IK4*").replace("AK5*", "IK5*")


def test_997_for_004010_and_999_for_005010() -> None:
    assert set(_files("clean", "4010")) == {"997"}
    assert set(_files("clean", "5010")) == {"999"}
    answer = acknowledge(as_5010(PO_850)).functional
    assert "GS*FA*OVERTURE*ACMEBUYER*20261123*1000*7001*X*005010X231A1~" in answer
    assert "ST*999*0001*005010X231A1~\nAK1*PO*501*005010~\nAK2*850*0001~" in answer


def test_a_duplicate_interchange_is_noted_but_still_answered() -> None:
    acks = acknowledge(PO_850, duplicate=True)
    assert acks.ta1 is not None and "TA1*000000101*261123*0930*E*025~" in acks.ta1
    assert "AK9*A*1*1*1~" in acks.functional


def test_a_rejected_interchange_gets_a_ta1_and_no_functional_acknowledgment() -> None:
    acks = acknowledge(_edit(("*ZZ*OVERTURE       *", "*99*OVERTURE       *")))  # ISA07 not a qualifier
    assert acks.ta1 is not None and "TA1*000000101*261123*0930*R*007~" in acks.ta1
    assert acks.functional == ""
