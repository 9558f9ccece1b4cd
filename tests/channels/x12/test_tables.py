"""The standard's tables at work: every set and version the issue names is there, valid documents of
each read without a problem, syntax notes and element rules are reported where they are broken,
tolerant and strict partners, and any delimiters, terminators, whitespace and BOM read the same."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overture.channels.x12.ack997 import Verdict, check_document
from overture.channels.x12.envelope import Document, read
from overture.channels.x12.errors import Problem, ProblemCode
from overture.channels.x12.inspect import inspect
from overture.channels.x12.sets import release_of, schema_for
from tests.channels.x12.standard_documents import BODIES, BODIES_5010, document

ISSUE_SETS = ["850", "855", "856", "860", "865", "810", "846", "940", "945", "997", "180", "812", "820", "832"]


def problems(text: str, *, strict: bool = False) -> list[Problem]:
    parsed = read(text.encode())
    return [*parsed.all_problems(), *(p for c in check_document(parsed, strict=strict) for p in c.problems)]


def codes(text: str) -> list[tuple[ProblemCode, str, int | None]]:
    return [(p.code, p.segment_id, p.element_position) for p in problems(text)]


@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize("code", ISSUE_SETS)
def test_every_set_the_issue_names_has_its_table(code: str, version: str) -> None:
    schema = schema_for(code, version)
    assert schema is not None and schema.body
    assert schema.segments and "ST" in schema.segments


def test_the_999_is_a_005010_set() -> None:
    assert schema_for("999", "005010X231A1") is not None
    assert schema_for("999", "004010") is None


@pytest.mark.parametrize(
    ("version", "release"),
    [
        ("004010VICS", "004010"),
        ("003040", "004010"),
        ("004030", "004010"),
        ("005010X230", "005010"),
        ("006020", "005010"),
    ],
)
def test_versions_are_read_against_their_release(version: str, release: str) -> None:
    assert release_of(version) == release


@pytest.mark.parametrize("code", sorted(BODIES))
def test_valid_004010_documents_read_without_a_problem(code: str) -> None:
    assert problems(document(code)) == []
    report, valid = inspect(document(code).encode())
    assert valid, report


@pytest.mark.parametrize("code", sorted(BODIES_5010))
def test_valid_005010_documents_read_without_a_problem(code: str) -> None:
    assert problems(document(code, version="005010")) == []


def test_an_850_from_release_003040_is_read_against_the_004010_table() -> None:
    assert problems(document("850", version="003040")) == []


def test_several_interchanges_and_groups_in_one_file_all_read() -> None:
    text = document("850", sets=2) + document("855", icn=102, group_control=502) + document("810", icn=103)
    parsed = read(text.encode())
    assert len(parsed.interchanges) == 3
    assert [c.verdict for c in check_document(parsed)] == [Verdict.ACCEPTED] * 4
    assert problems(text) == []


def _with(code: str, old: str, new: str) -> str:
    body = [new if line == old else line for line in BODIES[code]]
    assert body != BODIES[code], f"{old} is not in the {code} body"
    return document(code, body=body)


def test_a_paired_note_is_enforced_n103_without_n104() -> None:
    found = codes(_with("850", "N1*ST*Acme DC East*92*0042", "N1*ST*Acme DC East*92"))
    assert (ProblemCode.CONDITIONAL_MISSING, "N1", 4) in found


def test_a_required_one_of_note_n102_or_n103() -> None:
    assert (ProblemCode.CONDITIONAL_MISSING, "N1", 2) in codes(_with("850", "N1*BT*Acme Accounts*92*AP1", "N1*BT"))


def test_a_conditional_note_po103_needs_po102() -> None:
    old = "PO1*2*5*EA*3.25**BP*ACME-002*UP*012345678912"
    found = codes(_with("850", old, "PO1*2**EA*3.25**BP*ACME-002*UP*012345678912"))
    assert (ProblemCode.CONDITIONAL_MISSING, "PO1", 2) in found


def test_an_exclusion_note_in_005010_n402_and_n407() -> None:
    body = [line.replace("N4*Edison*NJ*08817*US", "N4*Edison*NJ*08817*US***NJ") for line in BODIES_5010["850"]]
    parsed = read(document("850", version="005010", body=body).encode())
    found = [(p.code, p.segment_id, p.element_position) for c in check_document(parsed) for p in c.problems]
    assert (ProblemCode.EXCLUSION_VIOLATED, "N4", 7) in found


def test_element_rules_type_length_and_code() -> None:
    found = codes(_with("850", "BEG*00*SA*PO-7781*REL-1*20261123*CT-9", "BEG*00*XX*PO-7781*REL-1*20261332*CT-9"))
    assert (ProblemCode.BAD_CODE, "BEG", 2) in found
    assert (ProblemCode.BAD_DATE, "BEG", 5) in found
    found = codes(_with("850", "CTT*2*7", "CTT*2x*7"))
    assert (ProblemCode.BAD_NUMBER, "CTT", 1) in found


def test_a_composite_is_checked_component_by_component() -> None:
    # REF04 is the C040 composite: three qualifier/id pairs at most.
    found = [
        (p.code, p.element_position, p.component_position)
        for p in problems(_with("850", "REF*IA*VEND-77", "REF*IA*VEND-77**ZZ>A>BB>C>DD>E>FF"))
    ]
    assert found == [(ProblemCode.TOO_MANY_COMPONENTS, 4, None)]
    found = [
        (p.code, p.element_position, p.component_position)
        for p in problems(_with("850", "REF*IA*VEND-77", "REF*IA*VEND-77**ZZ"))
    ]
    assert found == [(ProblemCode.MISSING_ELEMENT, 4, 2)]


def test_a_partners_own_segment_is_a_warning_and_its_loop_is_still_read() -> None:
    body = list(BODIES["850"])
    at = body.index("PID*F****Red widget, case of 12")
    body.insert(at, "ZZZ*partner extension")
    text = document("850", body=body)
    found = problems(text)
    assert [(p.code, p.segment_id) for p in found] == [(ProblemCode.UNKNOWN_SEGMENT, "ZZZ")]
    parsed = read(text.encode())
    assert [c.verdict for c in check_document(parsed)] == [Verdict.ACCEPTED_WITH_ERRORS]
    assert [c.verdict for c in check_document(parsed, strict=True)] == [Verdict.REJECTED]
    report, valid = inspect(text.encode())
    assert valid
    warnings = report["interchanges"][0]["groups"][0]["transactions"][0]["warnings"]
    assert [w["code"] for w in warnings] == ["unknown_segment"]
    assert inspect(text.encode(), strict=True)[1] is False


def test_a_standard_segment_of_another_set_is_told_apart_from_an_unknown_one() -> None:
    body = [*BODIES["850"][:3], "BSN*00*XY*20261125*1430", *BODIES["850"][3:]]
    assert [(p.code, p.segment_id) for p in problems(document("850", body=body))] == [
        (ProblemCode.SEGMENT_NOT_IN_SET, "BSN")
    ]


def test_a_table_segment_out_of_its_place_is_unexpected() -> None:
    body = [*BODIES["850"], "BEG*00*SA*PO-2**20261123"]
    body.remove("AMT*TT*112.25")
    body.remove("CTT*2*7")
    body += ["CTT*2*7"]
    found = [(p.code, p.segment_id) for p in problems(document("850", body=body))]
    assert (ProblemCode.UNEXPECTED_SEGMENT, "BEG") in found


def test_a_missing_mandatory_loop_is_reported() -> None:
    body = [line for line in BODIES["850"] if not line.startswith(("PO1", "PID", "PO4", "SDQ", "CUR*BY*USD"))]
    found = [(p.code, p.segment_id) for p in problems(document("850", body=body))]
    assert any(code is ProblemCode.MISSING_SEGMENT for code, _ in found)


# -- delimiters, terminators, whitespace, BOMs


def _segments(parsed: Document) -> list[list[str]]:
    component = parsed.interchanges[0].delimiters.component
    return [
        [value.replace(component, "\x00") for value in segment.elements]
        for _, _, transaction in parsed.transactions()
        for segment in transaction.segments
    ]


ELEMENTS = st.sampled_from(["*", "|", "^", "+", "!", "\x1d"])
COMPONENTS = st.sampled_from([">", ":", "\\", "<", "\x1f"])
TERMINATORS = st.sampled_from(["~", "'", "\n", "\x1c", "\r\n"])
AFTER = st.sampled_from(["", "\n", "\r\n", " \n", "  \r\n", "\n    "])


@settings(max_examples=60, deadline=None)
@given(
    code=st.sampled_from(sorted(BODIES)),
    element=ELEMENTS,
    component=COMPONENTS,
    terminator=TERMINATORS,
    after=AFTER,
    bom=st.booleans(),
    indent=st.sampled_from(["", "  ", "\t"]),
)
def test_any_delimiters_terminator_whitespace_and_bom_read_the_same(
    code: str, element: str, component: str, terminator: str, after: str, bom: bool, indent: str
) -> None:
    original = document(code)
    if terminator in ("\n", "\r\n") and after.strip(" ") not in ("",):
        after = ""  # a line-break terminator followed by another break would be an empty segment: fine, but same
    text = original.replace("*", "\x02").replace(">", "\x03").replace("~\n", "\x04")
    text = text.replace("\x02", element).replace("\x03", component)
    text = indent + text.replace("\x04", terminator + after + indent)
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    expected = read(original.encode())
    parsed = read(data)
    assert _segments(parsed) == _segments(expected)
    assert parsed.interchanges[0].delimiters.element == element
    assert problems(text) == []


@pytest.mark.parametrize("padding", ["\x1a", "\x00" * 64, "\r\n\x1a", "   \n\n"])
def test_padding_after_the_last_segment_is_not_a_segment(padding: str) -> None:
    assert problems(document("850") + padding) == []
