"""ASCII digits only: ``str.isdigit`` also says yes to "²" and "①", which ``int()`` then refuses.

Every identifier, control number, date and quantity Overture reads from a message or a form is
written in ASCII digits; a superscript two in an X12 element was a ``ValueError`` (a 500) where it
should have been the element's own refusal.
"""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """True when ``text`` is one or more of the ASCII digits 0-9 and nothing else."""
    return text.isascii() and text.isdigit()
