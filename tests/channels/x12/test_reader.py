"""The tokenizer and envelope reader on documents written for the purpose."""

from __future__ import annotations

import pytest

from overture.channels.x12.envelope import read
from overture.channels.x12.errors import ProblemCode, X12Error
from overture.channels.x12.tokenizer import Delimiters, read_delimiters
from tests.channels.x12.fixtures import PO_850, two_interchanges_with_their_own_delimiters


def _shape(data: bytes | str) -> list[tuple[str, list[str]]]:
    document = read(data)
    return [(t.code, [s.tag for s in t.segments]) for _, _, t in document.transactions()]


def test_delimiters_come_from_the_isa_header() -> None:
    assert read_delimiters(PO_850, 0) == Delimiters("*", ">", "~", None)


def test_a_5010_header_declares_a_repetition_separator() -> None:
    isa = PO_850.replace("*U*00401*", "*^*00501*")
    assert read_delimiters(isa, 0).repetition == "^"


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda t: "\ufeff" + t, id="byte-order mark"),
        pytest.param(lambda t: t.replace("~\n", "~\r\n"), id="CRLF after terminators"),
        pytest.param(lambda t: t.replace("~\n", "~"), id="one line"),
        pytest.param(lambda t: t.replace("~\n", "~\n    "), id="indented"),
        pytest.param(lambda t: t.replace("~\n", "\n"), id="newline terminator"),
        pytest.param(lambda t: t.replace("~\n", "\r\n"), id="CRLF terminator"),
        pytest.param(lambda t: "\n".join(t[i : i + 80] for i in range(0, len(t), 80)), id="wrapped at 80"),
    ],
)
def test_what_partners_send_reads_the_same(variant: object) -> None:
    text = variant(PO_850)  # type: ignore[operator]
    data = text.encode()
    assert _shape(data) == _shape(PO_850)
    assert read(data).all_problems() == []


def test_several_interchanges_each_with_their_own_delimiters() -> None:
    document = read(two_interchanges_with_their_own_delimiters())
    assert [i.delimiters.element for i in document.interchanges] == ["*", "|"]
    assert [i.delimiters.segment for i in document.interchanges] == ["~", "'"]
    assert [i.control_number for i in document.interchanges] == ["000000101", "000000102"]
    assert document.all_problems() == []


def test_envelope_mismatches_are_positioned() -> None:
    broken = PO_850.replace("SE*14*0001", "SE*13*0002").replace("GE*1*501", "GE*2*501")
    problems = {p.code: p for p in read(broken).all_problems()}
    assert problems[ProblemCode.SEGMENT_COUNT_MISMATCH].segment_position == 16
    assert problems[ProblemCode.SEGMENT_COUNT_MISMATCH].element_position == 1
    assert problems[ProblemCode.TRANSACTION_CONTROL_MISMATCH].element_position == 2
    assert problems[ProblemCode.TRANSACTION_COUNT_MISMATCH].segment_id == "GE"


def test_a_transaction_left_open_is_reported_and_the_next_one_still_read() -> None:
    next_set = "ST*850*0002~\nBEG*00*SA*PO-2**20261123~\nSE*3*0002~\nGE*2*501"
    text = PO_850.replace("SE*14*0001~\n", "").replace("GE*1*501", next_set)
    document = read(text)
    codes = [p.code for p in document.all_problems()]
    assert codes == [ProblemCode.MISSING_SE]
    assert [t.control_number for _, _, t in document.transactions()] == ["0001", "0002"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", ProblemCode.NO_INTERCHANGE),
        (b"   \n", ProblemCode.NO_INTERCHANGE),
        (b"GS*PO*A*B~", ProblemCode.NO_INTERCHANGE),
        (b"ISA*00*   *00~", ProblemCode.BAD_ISA),
        (b"ISAA00", ProblemCode.BAD_ISA),
    ],
)
def test_what_is_not_x12_raises_a_typed_positioned_error(data: bytes, code: ProblemCode) -> None:
    with pytest.raises(X12Error) as raised:
        read(data)
    assert raised.value.problem.code is code
