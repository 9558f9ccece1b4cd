"""Reading interchanges: service characters, release characters, envelopes and their counts."""

from __future__ import annotations

import pytest

from overture.channels.edifact.envelope import read
from overture.channels.edifact.errors import EdifactError, ProblemCode
from overture.channels.edifact.syntax import read_chunks, to_text
from tests.channels.edifact.fixtures import (
    ORDERS_01B_TWO_MESSAGES,
    ORDERS_96A,
    ORDERS_OTHER_UNA,
    two_interchanges_with_their_own_una,
)


def _codes(text: str) -> list[tuple[str, int | None, str, int | None]]:
    return [(p.code.value, p.segment_position, p.segment_id, p.element_position) for p in read(text).all_problems()]


def test_an_interchange_with_una_is_read_into_its_envelopes() -> None:
    document = read(ORDERS_96A)

    assert document.all_problems() == []
    (interchange,) = document.interchanges
    assert interchange.una is not None and interchange.una.position == 1
    assert interchange.sender == ("5412345000013", "14") and interchange.control_reference == "ICR-101"
    (message,) = interchange.messages
    assert (message.type, message.version, message.release, message.association) == ("ORDERS", "D", "96A", "EAN008")
    assert message.header.position == 3 and message.trailer is not None and message.trailer.position == 30
    assert len(message.segments) == 28


def test_release_characters_keep_service_characters_as_text() -> None:
    body = read(ORDERS_96A).interchanges[0].messages[0].body

    ftx = next(s for s in body if s.tag == "FTX")
    imd = next(s for s in body if s.tag == "IMD")
    assert ftx.get(4) == "Ring at dock 4: side door+knock twice, it's loud?"
    assert imd.elements[2] == ("", "", "", "Red widget, case of 12")


def test_without_una_the_default_service_characters_are_used_and_several_messages_are_read() -> None:
    document = read(ORDERS_01B_TWO_MESSAGES)

    assert document.all_problems() == []
    (interchange,) = document.interchanges
    assert interchange.una is None and str(interchange.characters) == ":+.? '"
    assert [m.reference for m in interchange.messages] == ["M1", "M2"]
    assert interchange.trailer is not None and interchange.trailer.get(1) == "2"


def test_a_una_names_other_service_characters() -> None:
    document = read(ORDERS_OTHER_UNA)

    assert document.all_problems() == []
    nad = next(s for s in document.interchanges[0].messages[0].body if s.tag == "NAD")
    assert nad.get(4) == "Acme =* DC" and nad.get(8) == "08817"
    assert str(document.interchanges[0].characters) == "=*.? ~"


def test_interchanges_one_after_another_each_keep_their_own_una() -> None:
    document = read(two_interchanges_with_their_own_una())

    assert document.all_problems() == []
    assert [i.control_reference for i in document.interchanges] == ["ICR-101", "ICR-104"]
    assert [str(i.characters) for i in document.interchanges] == [":+.? '", "=*.? ~"]
    assert document.interchanges[1].una is not None and document.interchanges[1].una.position == 32


def test_a_terminator_released_before_una_does_not_start_a_new_interchange() -> None:
    text = ORDERS_96A.replace("FTX+DEL+++Ring", "FTX+DEL+++?'UNA stays text?: Ring")

    document = read(text)

    assert len(document.interchanges) == 1 and document.all_problems() == []


def test_unt_and_unz_counts_and_references_are_checked_with_positions() -> None:
    text = ORDERS_96A.replace("UNT+28+1'", "UNT+27+2'").replace("UNZ+1+ICR-101'", "UNZ+3+ICR-999'")

    assert _codes(text) == [
        ("interchange_reference_mismatch", 31, "UNZ", 2),
        ("interchange_count_mismatch", 31, "UNZ", 1),
        ("message_reference_mismatch", 30, "UNT", 2),
        ("segment_count_mismatch", 30, "UNT", 1),
    ]


def test_a_missing_unt_or_unz_is_reported_at_its_header() -> None:
    no_unt = ORDERS_96A.replace("UNT+28+1'\n", "")
    no_unz = ORDERS_96A.replace("UNZ+1+ICR-101'\n", "")

    assert _codes(no_unt) == [("missing_unt", 3, "UNH", None)]
    assert _codes(no_unz) == [("missing_unz", 2, "UNB", None)]


def test_functional_groups_are_counted_by_une_and_by_unz() -> None:
    grouped = ORDERS_96A.replace("UNH+1", "UNG+ORDERS+BUYER+OVERTURE+261123:0930+G1+UN+D:96A'\nUNH+1").replace(
        "UNZ+1", "UNE+2+G9'\nUNZ+1"
    )

    document = read(grouped)

    (group,) = document.interchanges[0].groups
    assert [m.reference for m in group.messages] == ["1"]
    assert _codes(grouped) == [("group_reference_mismatch", 32, "UNE", 2), ("group_count_mismatch", 32, "UNE", 1)]


def test_segments_outside_a_message_and_a_bad_unb_are_reported() -> None:
    text = ORDERS_96A.replace("UNH+1", "FTX+AAI+++stray'\nUNH+1").replace("+261123:0930+", "++")

    assert _codes(text) == [("bad_unb", 2, "UNB", 4), ("segment_outside_envelope", 3, "FTX", None)]


def test_a_bad_message_identifier_is_a_message_problem() -> None:
    text = ORDERS_96A.replace("UNH+1+ORDERS:D:96A:UN:EAN008", "UNH+1+ORDERS::96A")

    (message,) = read(text).interchanges[0].messages
    assert [(p.code.value, p.component_position) for p in message.problems] == [
        ("bad_message_identifier", 2),
        ("bad_message_identifier", 4),
    ]


def test_layout_is_forgiven_bom_wrapped_lines_and_indentation() -> None:
    wrapped = ORDERS_96A.replace("\n", "").replace("PO-7781", "PO-\r\n7781")
    flat = "".join(wrapped[i : i + 70] + "\n" for i in range(0, len(wrapped), 70))
    indented = "\ufeff" + ORDERS_96A.replace("\nQTY", "\n\tQTY").replace("\nPRI", "\n    PRI")

    for text in (flat, indented):
        document = read(text.encode())
        assert document.all_problems() == []
        assert document.interchanges[0].messages[0].body[0].get(2) == "PO-7781"


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ("", "no_interchange", 1),
        ("ISA*00*          *00*~", "no_interchange", 1),
        ('{"order": 1}', "no_interchange", 1),
        ("UNA:+", "bad_una", 1),
        ("UNA::.? 'UNB+UNOC:3'", "bad_una", 1),
        ("UNA:+.? 'UNH+1+ORDERS:D:96A:UN'", "no_interchange", 2),
        ("UNB+UNOC:3+A+B+261123:0930+1'UNZ+0+1", "syntax_error", 2),
    ],
)
def test_what_is_not_edifact_raises_one_typed_error_with_a_position(text: str, code: str, position: int) -> None:
    with pytest.raises(EdifactError) as raised:
        read(text)

    assert (raised.value.problem.code.value, raised.value.problem.segment_position) == (code, position)


def test_a_file_cut_short_names_the_segment_it_stopped_in() -> None:
    with pytest.raises(EdifactError) as raised:
        read(ORDERS_96A[: ORDERS_96A.index("CNT+2:2") + 5])

    problem = raised.value.problem
    assert problem.code is ProblemCode.SYNTAX_ERROR and problem.segment_position == 29
    assert "terminator" in problem.message


def test_to_text_writes_back_what_was_read_with_releases() -> None:
    (chunk,) = read_chunks(ORDERS_96A)

    text = to_text(chunk.segments, chunk.characters)

    assert text.startswith("UNA:+.? 'UNB+UNOC:3") and "it?'s loud??'" in text
    (again,) = read_chunks(text)
    assert [(s.tag, s.elements) for s in again.segments] == [(s.tag, s.elements) for s in chunk.segments]
