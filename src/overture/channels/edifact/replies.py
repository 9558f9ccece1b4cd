"""The answers an interchange received gets besides its ORDRSP: the CONTRL answering each
interchange, and the APERAK for each message we could not act on. Each goes out in an interchange
of its own, under the next control reference we send the partner (never reused), written in the
style of the interchange it answers (``writer.Style``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from overture.channels.edifact.aperak import Refusal, write_aperak
from overture.channels.edifact.checks import CheckedMessage
from overture.channels.edifact.contrl import DEFAULT_OPTIONS, ContrlOptions, answers, write_contrl
from overture.channels.edifact.envelope import Interchange
from overture.channels.edifact.writer import Envelope, style_of
from overture.services.ports import UnitOfWorkFactory
from overture.services.retry import in_transaction


def envelope_for(
    uow_factory: UnitOfWorkFactory, partner_id: str, *, us: tuple[str, str], to: Interchange, at: dt.datetime
) -> Envelope:
    """The UNB of a reply to the interchange ``to``, under a fresh control reference."""
    control = in_transaction(uow_factory, lambda uow: uow.partners.next_control_number(partner_id))
    return Envelope(us, to.sender, str(control), at)


def contrl(
    uow_factory: UnitOfWorkFactory,
    partner_id: str,
    checked: Sequence[CheckedMessage],
    *,
    us: tuple[str, str],
    at: dt.datetime,
    options: ContrlOptions = DEFAULT_OPTIONS,
) -> str | None:
    """The CONTRL interchange answering every interchange of the file (None: nothing to answer)."""
    answered = answers(checked)
    if not answered:
        return None
    first = answered[0][0]
    envelope = envelope_for(uow_factory, partner_id, us=us, to=first, at=at)
    return write_contrl(envelope, answered, style_of(first), options)


def aperak(
    uow_factory: UnitOfWorkFactory,
    partner_id: str,
    refused: Sequence[tuple[CheckedMessage, Refusal]],
    *,
    us: tuple[str, str],
    at: dt.datetime,
) -> str | None:
    """The APERAK interchange for the messages we could not act on (None: there are none)."""
    if not refused:
        return None
    first = refused[0][0]
    envelope = envelope_for(uow_factory, partner_id, us=us, to=first.interchange, at=at)
    style = style_of(first.interchange, first.message)
    return write_aperak(envelope, [r for _, r in refused], style, issued=at.date())
