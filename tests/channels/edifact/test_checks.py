"""Our message checks: the ORDERS schema as data, element definitions, amounts, and the verdicts."""

from __future__ import annotations

from overture.channels.edifact.checks import CheckedMessage, Verdict, check_document
from overture.channels.edifact.envelope import read
from overture.channels.edifact.messages import ORDERS, schema_for
from tests.channels.edifact.fixtures import ORDERS_01B_TWO_MESSAGES, ORDERS_96A


def _checked(text: str) -> CheckedMessage:
    (checked,) = check_document(read(text))
    return checked


def _found(text: str) -> list[tuple[str, int | None, str, int | None, int | None]]:
    return [
        (p.code.value, p.segment_position, p.segment_id, p.element_position, p.component_position)
        for p in _checked(text).problems
    ]


def _count_fixed(text: str, delta: int) -> str:
    """The UNT count adjusted after adding or removing segments, so only the change under test shows."""
    return text.replace("UNT+28+1'", f"UNT+{28 + delta}+1'")


def test_the_fixtures_pass_every_check() -> None:
    checked = [_checked(ORDERS_96A), *check_document(read(ORDERS_01B_TWO_MESSAGES))]

    assert [(c.verdict, c.supported, c.is_order, c.problems) for c in checked] == [
        (Verdict.ACCEPTED, True, True, [])
    ] * 3


def test_orders_releases_we_read() -> None:
    assert schema_for("ORDERS", "D", "96A") is ORDERS
    assert schema_for("ORDERS", "D", "01B") is ORDERS
    assert schema_for("ORDERS", "D", "93A") is None
    assert schema_for("INVOIC", "D", "96A") is None


def test_an_unknown_release_of_a_message_we_read_is_rejected() -> None:
    checked = _checked(ORDERS_96A.replace("ORDERS:D:96A", "ORDERS:D:93A"))

    assert checked.verdict is Verdict.REJECTED and not checked.supported
    assert _found(ORDERS_96A.replace("ORDERS:D:96A", "ORDERS:D:93A")) == [("unsupported_release", 3, "UNH", 2, 3)]


def test_a_message_we_have_no_schema_for_gets_envelope_and_element_checks_only() -> None:
    text = ORDERS_96A.replace("ORDERS:D:96A", "INVOIC:D:96A").replace("QTY+21:2:CT", "QTY+21:2x:CT")

    checked = _checked(text)

    assert not checked.supported and not checked.is_order
    assert _found(text) == [("bad_number", 18, "QTY", 1, 2)]


def test_a_missing_order_date_is_reported_where_the_header_ends() -> None:
    text = _count_fixed(ORDERS_96A.replace("DTM+137:20261123:102'\n", ""), -1)

    assert _found(text) == [("missing_segment", 14, "LIN", None, None)]
    assert _checked(text).verdict is Verdict.REJECTED


def test_no_lines_no_party_and_misplaced_segments_each_name_their_place() -> None:
    no_lines = _count_fixed(_without_lines(ORDERS_96A), -14)
    # A party known by id alone is no syntax error (the address book resolves it); no party at all is.
    no_party = _count_fixed(
        ORDERS_96A.replace("NAD+BY+5412345000013::9++Acme Stores'\n", "").replace(
            "NAD+ST+5412345000020::9++Acme DC East+100 Warehouse Rd:Dock 4+Edison+NJ+08817+US'\n", ""
        ),
        -2,
    )
    misplaced = _count_fixed(ORDERS_96A.replace("UNS+S'\n", "BGM+220+X+9'\nZZZ+1'\nUNS+S'\nUNS+S'\n"), 3)

    assert _found(no_lines) == [("missing_segment", 15, "UNS", None, None)]
    [missing] = _checked(no_party).problems
    assert missing.code.value == "missing_segment" and "NAD+BY/ST/DP" in missing.message
    assert _found(ORDERS_96A.replace("NJ+08817+US", "NJ++US")) == []
    assert _found(misplaced) == [
        ("segment_out_of_order", 26, "BGM", None, None),
        ("unknown_segment", 27, "ZZZ", None, None),
        ("too_many_segments", 29, "UNS", None, None),
    ]


def test_element_definitions_catch_numbers_dates_missing_parts_and_extra_components() -> None:
    text = (
        ORDERS_96A.replace("PRI+AAA:48.00", "PRI+AAA:$48")
        .replace("DTM+2:20261130:102", "DTM+2:20261131:102")
        .replace("QTY+21:5:PCE", "QTY+21")
        .replace("IMD+F++:::Red widget?, case of 12", "IMD+F++:::Red:widget:case:of 12")
    )

    assert _found(text) == [
        ("bad_date", 6, "DTM", 1, 2),
        ("too_many_components", 17, "IMD", 3, 6),
        ("bad_number", 20, "PRI", 1, 2),
        ("missing_element", 23, "QTY", 1, 2),
    ]


def test_problems_that_leave_the_content_readable_are_only_noted() -> None:
    text = ORDERS_96A.replace("IMD+F++:::Red widget?, case of 12", "IMD+F++:::Red:widget:case:of 12").replace(
        "UNS+S", "UNS+S+EXTRA"
    )

    checked = _checked(text)

    assert [p.code.value for p in checked.problems] == ["too_many_components", "too_many_elements"]
    assert checked.verdict is Verdict.ACCEPTED_WITH_ERRORS


def test_line_amounts_must_add_up_to_moa_79_and_with_charges_to_moa_86() -> None:
    wrong_lines = ORDERS_96A.replace("MOA+79:112.25", "MOA+79:112.20")
    wrong_total = ORDERS_96A.replace("MOA+86:122.25", "MOA+86:112.25")
    # Without MOA 203 the line amount is quantity times net price: 2 x 48.00 still makes 96.00.
    computed = _count_fixed(ORDERS_96A.replace("MOA+203:96.00'\n", ""), -1)

    assert _found(wrong_lines) == [("amount_mismatch", 27, "MOA", 1, 2)]
    assert _found(wrong_total) == [("amount_mismatch", 28, "MOA", 1, 2)]
    assert _found(computed) == []
    assert "add up to 122.25" in _checked(wrong_total).problems[0].message


def test_the_line_count_must_match_cnt_2() -> None:
    assert _found(ORDERS_96A.replace("CNT+2:2", "CNT+2:3")) == [("line_count_mismatch", 29, "CNT", 1, 2)]


def _without_lines(text: str) -> str:
    start, end = text.index("LIN+1"), text.index("UNS+S")
    return text[:start] + text[end:].replace("MOA+79:112.25'\nMOA+86:122.25'\nCNT+2:2'\n", "")
