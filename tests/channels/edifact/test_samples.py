"""Golden tests: every file in ../shared/samples/edifact is parsed with the expected messages, line
counts and verdicts, or rejected with a positioned error. None crashes the reader."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from overture.channels.edifact.checks import check_document
from overture.channels.edifact.envelope import read
from overture.channels.edifact.errors import EdifactError
from overture.channels.edifact.mapping import our_sku, to_command
from overture.channels.edifact.orders import read_purchase_order
from overture.domain.partners import PartnerProfile
from tests.conftest import SAMPLES

EDIFACT_SAMPLES = SAMPLES / "edifact"


@dataclass(frozen=True)
class Parsed:
    interchanges: int
    messages: tuple[tuple[str, int, str], ...]  # (UNH type, LIN segments, verdict)
    problems: tuple[str, ...]  # problem codes found anywhere, sorted


@dataclass(frozen=True)
class Rejected:
    code: str
    segment_position: int


A, E, R = "accepted", "accepted_with_errors", "rejected"
# Figures checked by hand against the files; the comments say what is wrong with the broken ones.
EXPECTED: dict[str, Parsed | Rejected] = {
    # UNT says 158 segments (the message has 31); UNZ's reference is not UNB's (HBQ001). Tabs indent.
    "edinet/edifact.01.edi": Parsed(
        1, (("QUOTES", 3, R),), ("interchange_reference_mismatch", "segment_count_mismatch")
    ),
    "edinet/edifact.01.multi-message.edi": Parsed(
        1, (("QUOTES", 3, R), ("QUOTES", 3, R)), ("interchange_reference_mismatch", "segment_count_mismatch")
    ),
    # IATA's PAORES (version 93, agency IA): envelope checks only.
    "edinet/edifact.Issue152.Wikipedia.edi": Parsed(1, (("PAORES", 0, A),), ()),
    # ORDRSP D:10A (we read 96A and 01B); UNT (17, 9IM20YSP9) and UNZ references and count are all off.
    "edinet/edifact.ORDRSP.edi": Parsed(
        1,
        (("ORDRSP", 1, R),),
        (
            "interchange_reference_mismatch",
            "message_reference_mismatch",
            "segment_count_mismatch",
            "unsupported_release",
        ),
    ),
    "php_edifact/D96ADESADV.edi": Parsed(1, (("DESADV", 2, A),), ()),
    # php-edifact's expected parse of the file above, in JSON: not EDIFACT.
    "php_edifact/D96ADESADV.json": Rejected("no_interchange", 1),
    "php_edifact/exampleMulti.edi": Parsed(1, (("PAORES", 0, A), ("PAORES", 0, A)), ()),
    # Two "1:10" written without the release character: IMD's description gets 6 and 7 components.
    "php_edifact/example_order_error.edi": Parsed(1, (("ORDERS", 146, E),), ("too_many_components",)),
    # A real EANCOM ORDERS D:01B: 146 lines, delivery party NAD+DP with its postal code.
    "php_edifact/example_order_ok.edi": Parsed(1, (("ORDERS", 146, A),), ()),
    # "??", "?'", "?+", "?:" in IFT; UNT says 14 segments, the message has 23.
    "php_edifact/example_release_character.edi": Parsed(1, (("PAORES", 0, R),), ("segment_count_mismatch",)),
    "php_edifact/example_utf8.edi": Parsed(1, (("DESADV", 2, A),), ()),
    "php_edifact/example_wrapped.edi": Parsed(1, (("PAORES", 0, A),), ()),
    # DTM 137 "199910060000" claims format 102 (CCYYMMDD).
    "pydifact/invoice1.edi": Parsed(1, (("INVOIC", 1, R),), ("bad_date",)),
    "pydifact/invoice_with_colon_at_end.edi": Parsed(1, (("INVOIC", 1, R),), ("bad_date",)),
    # UNT says 8 segments, the message has 7.
    "pydifact/messages_v4_aperak.edi": Parsed(1, (("APERAK", 0, R),), ("segment_count_mismatch",)),
    "pydifact/messages_v4_aperak_rejected.edi": Parsed(1, (("APERAK", 0, R),), ("segment_count_mismatch",)),
    # NADs with GLNs only: syntactically fine (a partner's address book resolves them when the order is
    # mapped); the file ends after UNT, no UNZ.
    "pydifact/order.edi": Parsed(1, (("ORDERS", 2, A),), ("missing_unz",)),
    "pydifact/order2.edi": Parsed(1, (("ORDERS", 1, A),), ("missing_unz",)),
    # DTM+4 instead of DTM+137; UNZ repeats UNB's application reference, not its control reference.
    "pydifact/wikipedia_de.edi": Parsed(1, (("ORDERS", 1, R),), ("interchange_reference_mismatch", "missing_segment")),
    "pydifact/wikipedia_en.edi": Parsed(1, (("PAORES", 0, A),), ()),
    # DTM 4 "19999715": month 97.
    "staedi/invoic_d93a_una.edi": Parsed(1, (("INVOIC", 3, R),), ("bad_date",)),
    "staedi/invoic_d97b.edi": Parsed(1, (("INVOIC", 2, A),), ()),
    # NAD+BYZZ, QTY 1020A, PRI $1.179 (its second UNS needs an INVOIC schema, which we do not have).
    "staedi/invoic_d97b_bad.edi": Parsed(1, (("INVOIC", 2, R),), ("bad_number", "element_too_long")),
    # UNA=*.? ~ and a released "4" in the recipient.
    "staedi/invoic_d97b_una.edi": Parsed(1, (("INVOIC", 2, A),), ()),
    # UNG/UNE group; ORDERS D:96B; NADs with GLNs only; UNT says 21, the message has 18.
    "staedi/orders-with-group.edi": Parsed(1, (("ORDERS", 1, R),), ("segment_count_mismatch",)),
    # X12's IEA inside a made-up CUSTOM message: just two segments of an unknown message.
    "staedi/other_dialect_term_segments.edi": Parsed(1, (("CUSTOM", 0, A),), ()),
    # Wrapped at 50 columns, breaking segment tags and values.
    "staedi/wrapped_invoic_d97b.edi": Parsed(1, (("INVOIC", 2, A),), ()),
}

needs_samples = pytest.mark.skipif(
    not EDIFACT_SAMPLES.is_dir(), reason=f"shared samples not present at {EDIFACT_SAMPLES}"
)


def _outcome(path: Path) -> Parsed | Rejected:
    try:
        document = read(path.read_bytes())
    except EdifactError as error:
        return Rejected(error.problem.code.value, error.problem.segment_position or 0)
    checked = check_document(document)
    messages = tuple(
        (c.message.type, sum(1 for s in c.message.body if s.tag == "LIN"), c.verdict.value) for c in checked
    )
    codes = {p.code.value for p in document.all_problems()} | {p.code.value for c in checked for p in c.problems}
    return Parsed(len(document.interchanges), messages, tuple(sorted(codes)))


@needs_samples
def test_every_sample_file_has_an_expected_outcome() -> None:
    on_disk = {str(p.relative_to(EDIFACT_SAMPLES)) for p in EDIFACT_SAMPLES.rglob("*") if p.is_file()}
    assert on_disk - {"PROVENANCE.md"} == set(EXPECTED)


@needs_samples
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_is_parsed_or_rejected_as_expected(name: str) -> None:
    assert _outcome(EDIFACT_SAMPLES / name) == EXPECTED[name]


@needs_samples
def test_every_problem_in_the_samples_is_positioned() -> None:
    for name, expected in EXPECTED.items():
        if isinstance(expected, Rejected):
            continue
        document = read((EDIFACT_SAMPLES / name).read_bytes())
        for problem in [*document.all_problems(), *(p for c in check_document(document) for p in c.problems)]:
            assert problem.segment_position is not None and problem.segment_id, (name, problem)


@needs_samples
def test_the_real_eancom_order_becomes_a_command_with_contract_prices() -> None:
    (message,) = read((EDIFACT_SAMPLES / "php_edifact/example_order_ok.edi").read_bytes()).interchanges[0].messages
    order = read_purchase_order(message)
    bare = PartnerProfile("4250159300001", currency="EUR")
    prices = {sku: Decimal("1.00") for line in order.lines if (sku := our_sku(line, bare)) is not None}

    command = to_command(
        order,
        PartnerProfile("4250159300001", contract_prices=prices, currency="EUR"),
        interchange_reference="896",
        message_reference=message.reference,
    )

    assert command.external_id == "4250159300001:2019265563" and command.currency == "EUR"
    assert (command.ship_to.postal_code, command.ship_to.city, command.ship_to.country) == ("46149", "TestCity", "DE")
    assert len(command.lines) == 146 and command.lines[0].sku == "1001" and command.lines[0].quantity == 2
    assert sum(line.quantity for line in command.lines) == 454  # the QTY+21 values added up with grep and bc


@needs_samples
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_overture_edi_inspect_exits_0_exactly_for_the_valid_samples(name: str) -> None:
    from typer.testing import CliRunner

    from overture.cli import app

    expected = EXPECTED[name]
    valid = isinstance(expected, Parsed) and not expected.problems and all(v == A for _, _, v in expected.messages)
    result = CliRunner().invoke(app, ["edi", "inspect", str(EDIFACT_SAMPLES / name)])
    assert result.exit_code == (0 if valid else 1), result.stdout[-2000:]
