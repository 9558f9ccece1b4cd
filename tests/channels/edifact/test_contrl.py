"""CONTRL out: golden reports for each class of problem, the 0085 table, and what we write passing
our own checks and pydifact's reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from overture.channels.edifact.checks import check_document
from overture.channels.edifact.contrl import DEFAULT_OPTIONS, SYNTAX_ERRORS, ContrlOptions, answers, write_contrl
from overture.channels.edifact.envelope import read
from overture.channels.edifact.errors import ProblemCode
from overture.channels.edifact.writer import Envelope, check_written, style_of
from tests.channels.edifact.fixtures import ORDERS_01B_TWO_MESSAGES, ORDERS_96A

GOLDEN = Path(__file__).parent / "golden"
ENVELOPE = Envelope(("OVERTURE", "ZZZ"), ("5412345000013", "14"), "7", dt.datetime(2026, 11, 23, 9, 31))

CASES = {
    # Nothing wrong: UCI 7 alone (errors-only report).
    "good": ORDERS_96A,
    # UNZ says 2 messages, there is 1: UCI 8 with 29 on UNZ element 1; the message gets its UCM 7.
    "bad_unz_count": ORDERS_96A.replace("UNZ+1+ICR-101", "UNZ+2+ICR-101"),
    # No BGM (UNT fixed): UCM 4, UCS 12 with 13 (missing): reported where the header ends (LIN, 12th).
    "missing_segment": ORDERS_96A.replace("BGM+220+PO-7781+9'\n", "").replace("UNT+28+1", "UNT+27+1"),
    # DTM 137 on the 23rd month: UCM 4, UCS 3 with UCD 12 (invalid value) on element 1, component 2.
    "bad_value": ORDERS_96A.replace("DTM+137:20261123:102", "DTM+137:20262323:102"),
    # A message type we take from no one: UCM 4 with 17 (no agreement) on UNH S009.
    "unknown_type": ORDERS_96A.replace("ORDERS:D:96A", "INVRPT:D:96A"),
}


def _contrl(text: str, options: ContrlOptions = DEFAULT_OPTIONS) -> str:
    answered = answers(check_document(read(text)))
    return write_contrl(ENVELOPE, answered, style_of(answered[0][0]), options)


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_case_is_answered_as_its_golden_contrl(case: str) -> None:
    written = _contrl(CASES[case])

    assert written.replace("'", "'\n") == (GOLDEN / f"contrl_{case}.edi").read_text()
    check_written(written)  # our checks find nothing, and pydifact reads it back


def test_a_full_report_gives_every_message_its_ucm() -> None:
    text = _contrl(ORDERS_01B_TWO_MESSAGES, ContrlOptions(full_report=True))

    segments = text.split("'")
    assert "UCI+ICR-102+5412345000013:14+OVERTURE:ZZZ+7" in segments
    assert [s for s in segments if s.startswith("UCM")] == [
        "UCM+M1+ORDERS:D:01B:UN:EAN010+7",
        "UCM+M2+ORDERS:D:01B:UN:EAN010+7",
    ]
    assert segments[1].startswith("UNB+UNOC:4+OVERTURE:ZZZ+5412345000013:14+20261123:0931+7")  # syntax 4: CCYY


def test_a_syntax_version_we_do_not_read_rejects_the_interchange() -> None:
    text = _contrl(ORDERS_96A.replace("UNOC:3", "UNOC:9"))

    assert "UCI+ICR-101+5412345000013:14+OVERTURE:ZZZ+4+2+UNB+1:2" in text.split("'")
    assert "UCM+1+ORDERS:D:96A:UN:EAN008+4" in text.split("'")


def test_the_partners_service_characters_are_written_back() -> None:
    from tests.channels.edifact.fixtures import ORDERS_OTHER_UNA

    text = _contrl(ORDERS_OTHER_UNA)

    assert text.startswith("UNA=*.? ~UNB*UNOC=3*OVERTURE=ZZZ*5412345000013=14*")
    check_written(text)


def test_every_problem_code_has_a_0085_code() -> None:
    assert set(SYNTAX_ERRORS) == set(ProblemCode)
    assert all(code.isdigit() and 1 <= int(code) <= 50 for code in SYNTAX_ERRORS.values())


def test_a_contrl_is_never_answered() -> None:
    contrl = _contrl(ORDERS_96A)

    assert answers(check_document(read(contrl))) == []
