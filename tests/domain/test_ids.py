"""Time-ordered ids: the fast encoder must agree with the ULID definition digit by digit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from overture.domain.ids import id_from, new_id

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _digits(value: int, count: int) -> str:
    out = []
    for _ in range(count):
        value, index = divmod(value, 32)
        out.append(CROCKFORD[index])
    return "".join(reversed(out))


@given(st.integers(0, 2**48 - 1), st.integers(0, 2**80 - 1))
def test_id_is_prefix_then_ten_time_digits_then_sixteen_random_digits(millis: int, randomness: int) -> None:
    assert id_from("ord", millis, randomness) == f"ord_{_digits(millis, 10)}{_digits(randomness, 16)}"


@given(st.integers(0, 2**48 - 2), st.integers(0, 2**80 - 1), st.integers(0, 2**80 - 1))
def test_later_milliseconds_sort_later_whatever_the_randomness(millis: int, a: int, b: int) -> None:
    assert id_from("x", millis, a) < id_from("x", millis + 1, b)


def test_new_ids_are_unique_and_well_formed() -> None:
    ids = {new_id("res") for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(len(i) == 30 and set(i[4:]) <= set(CROCKFORD) for i in ids)
