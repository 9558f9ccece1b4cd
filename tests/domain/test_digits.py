"""``is_digits``: ASCII digits only, so that ``int()`` never refuses what the check let through."""

from __future__ import annotations

import pytest

from overture.domain.digits import is_digits


@pytest.mark.parametrize("text", ["0", "000123", "9" * 30])
def test_ascii_digits_are_digits(text: str) -> None:
    assert is_digits(text) and int(text) >= 0


@pytest.mark.parametrize("text", ["", "²", "1²", "①", "٣", "１２", "12a", " 1", "-1", "1.0"])
def test_anything_else_is_not(text: str) -> None:
    # "²" and "①" pass str.isdigit and make int() raise; "٣" and "１２" pass int() but no standard writes them.
    assert not is_digits(text)
