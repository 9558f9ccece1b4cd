"""``round(x, 1)`` and ``round(x, 4)``, the very same floats, in about half the time.

A decision rounds 50-100 figures (every location's distance, every candidate's cost components),
so these sit on routing's hot path.
"""

from __future__ import annotations

# 1.5 * 2**52: for |y| <= 2**51, ``y + ROUNDER - ROUNDER`` is y rounded to an integer, ties to even (the
# sum lands where the doubles are the integers), i.e. round(y), as a double: cheaper than calling round().
ROUNDER = 6_755_399_441_055_744.0


def round1(x: float) -> float:
    """``round(x, 1)``, the very same float.

    ``round(x, 1)`` is the double nearest the decimal nearest ``x``. Away from a tie, ``x * 10``
    (one rounding error) has the same nearest integer ``r`` as ``x``'s exact value times 10, and
    ``r / 10`` (correctly rounded; for ``|r| < 2**53`` the division of the integers is this division
    of doubles) is that double. Near a tie, at zero (the sign of -0.0) and for huge, infinite or NaN
    values, ``round`` itself decides."""
    y = x * 10.0
    if -1e15 < y < 1e15:
        r = y + ROUNDER - ROUNDER
        if r and -0.4999 < y - r < 0.4999:
            return r / 10.0
    return round(x, 1)


def round4(x: float) -> float:
    """``round(x, 4)``, the very same float: see ``round1``."""
    y = x * 10_000.0
    if -1e15 < y < 1e15:
        r = y + ROUNDER - ROUNDER
        if r and -0.4999 < y - r < 0.4999:
            return r / 10_000.0
    return round(x, 4)
