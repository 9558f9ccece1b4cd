"""The 997 for each functional group received: accepted, accepted with errors, rejected."""

from __future__ import annotations

from datetime import UTC, datetime

from overture.channels.x12.ack997 import Verdict, check_document
from overture.channels.x12.acknowledgements import answer_groups
from overture.channels.x12.envelope import read
from overture.channels.x12.schema import validate
from overture.channels.x12.sets import schema_for
from overture.channels.x12.writer import COMMON_DELIMITERS, EnvelopeSpec, Party, write_interchange
from tests.channels.x12.fixtures import PO_850

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _ack(text: str) -> list[list[str]]:
    """The 997 we answer ``text`` with, read back with our own reader and checked against the 997 schema."""
    document = read(text)
    (interchange,) = document.interchanges
    drafts = answer_groups(interchange, check_document(document), COMMON_DELIMITERS.all(), lambda: 900)
    reply = write_interchange(EnvelopeSpec(Party("ZZ", "OVERTURE"), Party("ZZ", "ACMEBUYER")), 77, drafts, AT)
    answer = read(reply)
    assert answer.all_problems() == []
    (_, group, transaction), *_ = answer.transactions()
    assert group.functional_id == "FA"
    schema = schema_for("997", group.version)
    assert schema is not None
    assert validate(schema, transaction.segments) == []
    return [s.elements for s in transaction.body]


def test_a_clean_purchase_order_is_accepted() -> None:
    assert _ack(PO_850) == [
        ["AK1", "PO", "501"],
        ["AK2", "850", "0001"],
        ["AK5", "A"],
        ["AK9", "A", "1", "1", "1"],
    ]


def test_a_too_long_element_is_accepted_with_the_error_named() -> None:
    body = _ack(PO_850.replace("N4*Edison*NJ*", "N4*Edison*NEW JERSEY*"))
    assert ["AK3", "N4", "9", "", "8"] in body  # segment 9 counted from ST
    assert ["AK4", "2", "", "5", "NEW JERSEY"] in body  # N402 too long, the value copied
    assert ["AK5", "E", "5"] in body
    assert body[-1] == ["AK9", "E", "1", "1", "1"]


def test_a_missing_mandatory_segment_or_a_bad_count_rejects_the_set() -> None:
    body = _ack(PO_850.replace("BEG*00*SA*PO-7781**20261123~\n", "").replace("SE*14*", "SE*13*"))
    assert ["AK5", "R", "5"] in body
    assert any(s[0] == "AK3" and s[1] == "CUR" and s[4] == "3" for s in body)  # BEG missing before CUR
    assert body[-1][:2] == ["AK9", "R"]


def test_one_bad_set_among_good_ones_is_a_partial_acceptance() -> None:
    second = "ST*850*0002~\nBEG*00*SA*PO-2**20261123~\nSE*4*0002~\nGE*2*501"  # SE01 says 4, the set has 3
    body = _ack(PO_850.replace("GE*1*501", second))
    assert [s for s in body if s[0] == "AK5"] == [["AK5", "A"], ["AK5", "R", "4"]]
    assert body[-1] == ["AK9", "P", "2", "2", "1"]


def test_verdicts_match_the_checks() -> None:
    checked = check_document(read(PO_850))
    assert [c.verdict for c in checked] == [Verdict.ACCEPTED]
