"""The TA1 interchange acknowledgment: sent when an interchange's ISA / IEA is wrong, or asked for (ISA14 1).

One TA1 answers one interchange received: TA101-103 its ISA13, ISA09 and ISA10, TA104 A (accepted),
E (accepted, errors noted) or R (rejected), TA105 the weightiest note code (``interchange_checks``;
000 when there is none). It travels in an interchange of its own, ISA / TA1 / IEA with no group.
"""

from __future__ import annotations

from datetime import datetime

from overture.channels.x12.envelope import Interchange
from overture.channels.x12.interchange_checks import NO_ERROR, rejects, valid_control_number, valid_date, valid_time


def wants_ta1(interchange: Interchange, notes: list[str]) -> bool:
    """A TA1 is due when something is wrong with the envelope, or the sender asked for one."""
    return bool(notes) or interchange.header.get(14) == "1"


def ta1_segment(interchange: Interchange, notes: list[str], *, received_at: datetime) -> list[str]:
    """The TA1 for ``interchange``. A value it must echo that is itself invalid (the very reason for
    a note 014, 015 or 018) cannot be echoed in a valid TA1: the time we received the file stands in
    for the date and time, nine zeros for the control number."""
    isa = interchange.header
    control = isa.get(13) if valid_control_number(isa.get(13)) else "0" * 9
    date = isa.get(9) if valid_date(isa.get(9)) else received_at.strftime("%y%m%d")
    time = isa.get(10) if valid_time(isa.get(10)) else received_at.strftime("%H%M")
    verdict = "R" if rejects(notes) else "E" if notes else "A"
    return ["TA1", control, date, time, verdict, notes[0] if notes else NO_ERROR]
