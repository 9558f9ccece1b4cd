"""Sharing an amount out among lines, to the minor unit, by one stated rule: largest remainder.

Each part first gets the whole minor units of its exact proportional share (rounded toward zero);
the units left over go one each to the parts with the largest fractional remainders, ties to the
earlier part. The shares always add up to the amount exactly, no part is off its exact share by a
whole minor unit or more, and the same inputs always give the same shares (no float anywhere).

Weights are what the amount is shared in proportion to (a line's goods value for an order discount,
shipping or tax; units for a share of one line). All-zero weights share equally.
"""

from __future__ import annotations

from collections.abc import Sequence


class AllocationError(ValueError):
    """The inputs cannot be shared (no parts, a negative weight)."""


def largest_remainder(amount: int, weights: Sequence[int]) -> list[int]:
    """``amount`` (whole minor units, either sign) shared among ``weights`` by largest remainder."""
    if not weights:
        raise AllocationError("there is nothing to share the amount among")
    if any(w < 0 for w in weights):
        raise AllocationError(f"weights cannot be negative, got {list(weights)}")
    if amount < 0:
        return [-share for share in largest_remainder(-amount, weights)]
    effective = list(weights) if any(weights) else [1] * len(weights)
    total = sum(effective)
    shares = [amount * w // total for w in effective]
    remainders = [amount * w % total for w in effective]
    left = amount - sum(shares)
    # Largest remainder first; among equal remainders the earlier part (stable sort on -remainder).
    for index in sorted(range(len(effective)), key=lambda i: -remainders[i])[:left]:
        shares[index] += 1
    return shares


def share_of_units(amount: int, *, units: int, of: int) -> int:
    """The part of a line's ``amount`` that ``units`` of its ``of`` units carry: what returning or
    cancelling those units gives back. Shared against what the line still carries, so however its
    units are taken (one return at a time or all at once), the last unit takes the rest and the line
    gives back its whole amount, never a minor unit more."""
    if not 0 <= units <= of or of == 0:
        raise AllocationError(f"cannot take {units} of {of} units")
    taken, _kept = largest_remainder(amount, [units, of - units])
    return taken
