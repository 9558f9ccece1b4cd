"""Writing segments: what X12 cannot carry is refused (a delimiter) or left out (a control character)."""

from __future__ import annotations

import pytest

from overture.channels.x12.writer import COMMON_DELIMITERS, X12WriteError, write_segment


def test_control_characters_in_an_echoed_value_are_left_out() -> None:
    assert write_segment(["BAK", "00", "RJ", "PO\x00-77\x0181", "20261123"], COMMON_DELIMITERS) == (
        "BAK*00*RJ*PO-7781*20261123~"
    )


def test_a_value_holding_a_delimiter_is_refused() -> None:
    with pytest.raises(X12WriteError, match="BAK03 'PO>1' holds the delimiter '>'"):
        write_segment(["BAK", "00", "RJ", "PO>1"], COMMON_DELIMITERS)
