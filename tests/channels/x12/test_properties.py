"""Property tests: whatever we write reads back the same; no mutation of a file makes the reader
raise anything but its own typed error."""

from __future__ import annotations

import string
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overture.channels.x12.ack997 import check_document
from overture.channels.x12.envelope import read
from overture.channels.x12.errors import X12Error
from overture.channels.x12.inspect import inspect
from overture.channels.x12.tokenizer import Delimiters
from overture.channels.x12.writer import EnvelopeSpec, GroupDraft, Party, TransactionDraft, write_interchange
from tests.channels.x12.fixtures import PO_850

DELIMITER_SETS = [
    Delimiters("*", ">", "~", None),
    Delimiters("|", "^", "'", None),
    Delimiters("+", ":", "\n", None),
    Delimiters("*", ":", "~", "^"),
]
SAFE = string.ascii_letters + string.digits + " .,-/#&()%@!?"
ENVELOPE_TAGS = {"ISA", "IEA", "GS", "GE", "ST", "SE", "ISB", "ISE", "TA1"}

values = st.text(alphabet=SAFE, max_size=12).map(str.strip)
tags = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=2, max_size=3).filter(
    lambda t: t[0].isalpha() and t not in ENVELOPE_TAGS
)
segments = st.builds(lambda tag, rest: [tag, *rest], tags, st.lists(values, min_size=1, max_size=8)).filter(
    lambda s: any(s[1:])
)
transactions = st.builds(
    TransactionDraft, st.sampled_from(["850", "855", "856", "810", "846"]), st.lists(segments, min_size=1, max_size=6)
)
groups = st.lists(st.lists(transactions, min_size=1, max_size=3), min_size=1, max_size=3)


def _trimmed(elements: list[str]) -> list[str]:
    while len(elements) > 1 and elements[-1] == "":
        elements = elements[:-1]
    return elements


@settings(max_examples=150, deadline=None)
@given(groups=groups, delimiters=st.sampled_from(DELIMITER_SETS), control=st.integers(1, 999_999_999))
def test_what_we_write_reads_back_the_same(
    groups: list[list[TransactionDraft]], delimiters: Delimiters, control: int
) -> None:
    spec = EnvelopeSpec(Party("ZZ", "OVERTURE"), Party("ZZ", "PARTNER"), delimiters=delimiters)
    drafts = [GroupDraft("PO", n + 1, g) for n, g in enumerate(groups)]
    text = write_interchange(spec, control, drafts, datetime(2026, 11, 23, 9, 30, tzinfo=UTC))

    document = read(text)

    assert document.all_problems() == []
    assert document.interchanges[0].delimiters == delimiters
    assert document.interchanges[0].control_number == f"{control:09d}"
    read_back = [[_trimmed(s.elements) for s in t.body] for _, _, t in document.transactions()]
    written = [[_trimmed(list(s)) for s in t.body] for g in groups for t in g]
    assert read_back == written


# Bytes that matter to X12 (delimiters, envelope letters, digits) come up more often than the rest.
interesting = st.sampled_from(list(b"*~>:^|\n\r ISAGSTE0123456789-.")) | st.integers(0, 255)
mutations = st.lists(
    st.tuples(st.sampled_from(["replace", "insert", "delete"]), st.integers(0, 10_000), interesting),
    min_size=1,
    max_size=8,
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=mutations)
def test_random_byte_mutations_raise_nothing_but_the_typed_error(mutations: list[tuple[str, int, int]]) -> None:
    data = bytearray(PO_850.encode())
    for kind, at, byte in mutations:
        at %= max(len(data), 1)
        if kind == "replace" and data:
            data[at] = byte
        elif kind == "insert":
            data.insert(at, byte)
        elif data:
            del data[at]
    try:
        document = read(bytes(data))
    except X12Error:
        pass
    else:
        check_document(document)
    report, valid = inspect(bytes(data))
    assert isinstance(valid, bool) and "interchanges" in report
