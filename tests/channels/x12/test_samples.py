"""Golden tests: every X12 sample in ../shared/samples/x12 is parsed with the expected transaction
sets and line counts, or rejected with a positioned error. None crashes the reader."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from overture.channels.x12.ack997 import check_document
from overture.channels.x12.envelope import read
from overture.channels.x12.errors import X12Error
from tests.conftest import SAMPLES

X12_SAMPLES = SAMPLES / "x12"
LINE_SEGMENTS = ("PO1", "IT1", "LIN", "HL", "AK2")  # what a "line" is in each set we read


@dataclass(frozen=True)
class Parsed:
    interchanges: int
    transactions: tuple[tuple[str, int, str], ...]  # (ST01, line segments, 997 verdict)
    problems: tuple[str, ...]  # problem codes found anywhere, sorted


@dataclass(frozen=True)
class Rejected:
    code: str


# Figures checked by hand against the files (see the comments for the files that are broken on purpose).
EXPECTED: dict[str, Parsed | Rejected] = {
    "badx12_errors/bad_file.edi": Rejected("no_interchange"),
    # IEA02/ISA13, IEA01, GE02/GS06, GE01, SE01 and SE02 all deliberately wrong.
    "badx12_errors/error_validation.edi": Parsed(
        1,
        (("835", 0, "R"),),
        (
            "group_control_mismatch",
            "group_count_mismatch",
            "interchange_control_mismatch",
            "segment_count_mismatch",
            "transaction_control_mismatch",
            "transaction_count_mismatch",
        ),
    ),
    # An ISA and nothing else: the interchange is never closed.
    "badx12_errors/segment_terminator.edi": Parsed(1, (), ("missing_iea",)),
    # The second ST is missing, so its segments sit outside any transaction set.
    "badx12_errors/unknown_segment_error.edi": Parsed(
        1, (("270", 1, "R"),), ("segment_count_mismatch", "segment_outside_envelope")
    ),
    # Named 810 but an 850 whose body is BAL segments only (a standard segment, not of the 850): no BEG, no PO1.
    "edinet/x12.810.mandatory-conditions.edi": Parsed(
        1,
        (("850", 0, "R"),),
        ("interchange_control_mismatch", "missing_segment", "segment_count_mismatch", "segment_not_in_set"),
    ),
    "edinet/x12.810a.edi": Parsed(1, (("810", 2, "A"),), ()),
    "edinet/x12.810b.edi": Parsed(1, (("810", 2, "A"),), ()),
    "edinet/x12.810c.edi": Parsed(1, (("810", 1, "A"),), ()),
    "edinet/x12.810d.edi": Parsed(1, (("810", 2, "A"),), ()),
    # A CUR straight after PID in the LIN loop, where the 832's table has it only in the CTP loop.
    "edinet/x12.832.edi": Parsed(1, (("832", 2, "R"),), ("segment_count_mismatch", "unexpected_segment")),
    # BOM and non-breaking spaces in the ISA; IEA02 does not match ISA13.
    "edinet/x12.850.edi": Parsed(1, (("850", 1, "A"),), ("interchange_control_mismatch",)),
    # ISA16 left out; in the first set a DTM runs into the next PO1 (a lost terminator), which
    # breaks DTM's syntax notes too.
    "edinet/x12.850.issue135.edi": Parsed(
        1,
        (("850", 9, "R"), ("850", 11, "R")),  # the second set repeats the first's ST02 0001 (AK5 23)
        (
            "bad_date",
            "bad_isa",
            "bad_time",
            "conditional_missing",
            "element_too_long",
            "segment_count_mismatch",
            "too_many_elements",
            "unexpected_segment",
        ),
    ),
    # N402 holds "State": accepted with errors.
    "edinet/x12.850a.edi": Parsed(1, (("850", 3, "E"),), ("element_too_long", "interchange_control_mismatch")),
    "edinet/x12.Issue101.edi": Parsed(
        1,
        (("850", 0, "R"),),
        ("interchange_control_mismatch", "missing_segment", "segment_count_mismatch", "segment_not_in_set"),
    ),
    "edinet/x12.Issue172.edi": Parsed(
        1,
        (("850", 0, "R"),),
        ("interchange_control_mismatch", "missing_segment", "segment_count_mismatch", "unknown_segment"),
    ),
    "edinet/x12.Issue91.edi": Parsed(
        1,
        (("850", 0, "R"),),
        ("interchange_control_mismatch", "missing_segment", "segment_count_mismatch", "unknown_segment"),
    ),
    "node_x12/850.edi": Parsed(1, (("850", 6, "A"),), ()),
    "node_x12/850_2.edi": Parsed(1, (("850", 6, "A"),), ()),
    # Newline as the segment terminator.
    "node_x12/850_3.edi": Parsed(1, (("850", 1, "A"),), ()),
    "node_x12/850_fat.edi": Parsed(2, (("850", 6, "A"), ("850", 6, "A")), ()),
    "node_x12/855.edi": Parsed(1, (("855", 4, "A"),), ()),
    "node_x12/856.edi": Parsed(1, (("856", 6, "A"),), ()),
    "staedi/empty997.edi": Parsed(1, (("997", 0, "R"),), ("missing_segment",)),
    # 5010 repetition separator ^ and composites; the values themselves are not numbers or codes.
    "staedi/extraDelimiter997.edi": Parsed(1, (("997", 1, "R"),), ("bad_code", "bad_number")),
    "staedi/invalid997.edi": Parsed(1, (("997", 1, "R"),), ("bad_code", "bad_number")),
    "staedi/invalid997_min.edi": Parsed(1, (("997", 0, "E"),), ("bad_code", "group_control_mismatch")),
    # Three sets; the 850 (version 003010, read against the 004010 table) has N1*ST*...*92 with no
    # N104, which the N1 syntax note P0304 forbids in every release.
    "staedi/invoice810_po850_dual.edi": Parsed(
        1, (("810", 7, "A"), ("810", 2, "A"), ("850", 4, "R")), ("conditional_missing",)
    ),
    "staedi/multi-tx-transaction-type.edi": Parsed(1, (("855", 0, "A"), ("855", 0, "A")), ()),
    "staedi/nonnumeric_BIN01.edi": Parsed(1, (("000", 0, "A"),), ()),
    # ISB and ISE between ISA and GS.
    "staedi/optionalInterchangeServices.edi": Parsed(1, (("997", 0, "A"),), ()),
    "staedi/simple810.edi": Parsed(1, (("810", 7, "A"), ("810", 2, "A")), ()),
    "staedi/simple997-multiple-interchanges.edi": Parsed(3, (("997", 1, "A"),) * 3, ()),
    "staedi/simple997.edi": Parsed(1, (("997", 1, "A"),), ()),
    # Wrapped at 80 columns, a line break in the middle of ST02.
    "staedi/ts210_80char.edi": Parsed(1, (("210", 0, "A"),), ()),
    # "…" as the segment terminator.
    "staedi/ts214_ellipses_segterm.edi": Parsed(1, (("214", 0, "A"),), ()),
}

needs_samples = pytest.mark.skipif(not X12_SAMPLES.is_dir(), reason=f"shared samples not present at {X12_SAMPLES}")


def _outcome(path: Path) -> Parsed | Rejected:
    try:
        document = read(path.read_bytes())
    except X12Error as error:
        return Rejected(error.problem.code.value)
    checked = check_document(document)
    transactions = tuple(
        (c.transaction.code, sum(1 for s in c.transaction.body if s.tag in LINE_SEGMENTS), c.verdict.value)
        for c in checked
    )
    codes = {p.code.value for p in document.all_problems()} | {p.code.value for c in checked for p in c.problems}
    return Parsed(len(document.interchanges), transactions, tuple(sorted(codes)))


@needs_samples
def test_every_sample_file_has_an_expected_outcome() -> None:
    on_disk = {str(p.relative_to(X12_SAMPLES)) for p in X12_SAMPLES.rglob("*.edi")}
    assert on_disk == set(EXPECTED)


@needs_samples
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_is_parsed_or_rejected_as_expected(name: str) -> None:
    assert _outcome(X12_SAMPLES / name) == EXPECTED[name]


@needs_samples
def test_every_problem_in_the_samples_is_positioned_when_it_concerns_a_segment() -> None:
    for name, expected in EXPECTED.items():
        if isinstance(expected, Rejected):
            continue
        document = read((X12_SAMPLES / name).read_bytes())
        for problem in [*document.all_problems(), *(p for c in check_document(document) for p in c.problems)]:
            assert problem.segment_position is not None, (name, problem)
            assert problem.segment_id, (name, problem)


@needs_samples
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_overture_edi_inspect_exits_0_exactly_for_the_valid_samples(name: str) -> None:
    from typer.testing import CliRunner

    from overture.cli import app

    expected = EXPECTED[name]
    valid = isinstance(expected, Parsed) and not expected.problems and all(v == "A" for *_, v in expected.transactions)
    result = CliRunner().invoke(app, ["edi", "inspect", str(X12_SAMPLES / name)])
    assert result.exit_code == (0 if valid else 1), result.stdout[-2000:]
