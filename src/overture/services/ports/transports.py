"""How partners' files travel to and from us besides HTTP posts: AS2 settings and exchanges, SFTP files seen.

The X12 they carry is read by ``channels/x12``; these records are the transports' own: who we are on
AS2, how each partner wants its messages (certificate, algorithms, MDN mode), every AS2 message in
either direction with its MDN, and which SFTP files were already taken (so a re-poll takes none twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class MdnMode(StrEnum):
    """How a partner wants the receipt of what we send it: in the HTTP answer, posted later, or none."""

    SYNC = "sync"
    ASYNC = "async"
    NONE = "none"


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


@dataclass(frozen=True, slots=True)
class As2Identity:
    """Who we are on AS2: our AS2 id and the key pair we sign and decrypt with (PEM)."""

    as2_id: str
    private_key_pem: str
    certificate_pem: str
    mdn_url: str | None = None  # where partners post asynchronous MDNs to us (our /v1/edi/as2)


@dataclass(frozen=True, slots=True)
class As2PartnerSettings:
    """How one trading partner exchanges AS2 with us. ``sign``/``encrypt`` hold both ways: what we send
    is signed/encrypted, and what it sends unsigned/unencrypted is refused."""

    partner_id: str
    as2_id: str
    our_as2_id: str
    url: str
    certificate_pem: str
    sign: bool = True
    encrypt: bool = True
    encryption: str = "aes_256_cbc"
    digest: str = "sha256"
    mdn_mode: MdnMode = MdnMode.SYNC
    mdn_signed: bool = True


@dataclass(frozen=True, slots=True)
class As2Exchange:
    """One AS2 message, in or out, and what its MDN said (once there is one)."""

    direction: Direction
    message_id: str
    as2_from: str
    as2_to: str
    at: datetime
    partner_id: str | None = None
    kind: str | None = None  # what we sent: 997, 855
    inbound_message_id: str | None = None  # the raw message as kept in inbound messages
    mic: str | None = None
    mdn_message_id: str | None = None
    disposition: str | None = None  # "processed", "processed/Error: decryption-failed"...
    mdn: bytes | None = None


class As2Repository(Protocol):
    def identity(self, as2_id: str) -> As2Identity | None: ...

    def put_identity(self, identity: As2Identity, at: datetime) -> bool:
        """Create or replace; True if it was created."""
        ...

    def partner(self, partner_id: str) -> As2PartnerSettings | None: ...

    def partner_by_as2(self, as2_id: str) -> As2PartnerSettings | None: ...

    def put_partner(self, settings: As2PartnerSettings, at: datetime) -> bool:
        """Create or replace; True if it was created."""
        ...

    def record(self, exchange: As2Exchange) -> bool:
        """Keep an exchange; False (nothing kept) when one in that direction from that sender with that
        message id is kept already."""
        ...

    def settle(
        self,
        direction: Direction,
        as2_from: str,
        message_id: str,
        *,
        mdn_message_id: str | None,
        disposition: str,
        mdn: bytes | None,
        at: datetime,
    ) -> None:
        """Put the MDN on the exchange: the one we answered with, or the one the partner sent."""
        ...

    def exchange(self, direction: Direction, as2_from: str, message_id: str) -> As2Exchange | None: ...

    def exchanges(self, partner_id: str) -> list[As2Exchange]:
        """A partner's exchanges, oldest first."""
        ...


class SftpFileRepository(Protocol):
    def status(self, partner_id: str, name: str, sha256: str) -> str | None:
        """What became of a file of this name and content taken before (processed, failed); None if new."""
        ...

    def add(
        self,
        *,
        partner_id: str,
        name: str,
        sha256: str,
        host: str,
        path: str,
        message_id: str | None,
        status: str,
        at: datetime,
    ) -> None: ...
