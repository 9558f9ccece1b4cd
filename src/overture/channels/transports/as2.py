"""AS2 (RFC 4130) on pyas2lib, kept pure: our settings in, HTTP headers and bodies out, no I/O.

An AS2 message is a MIME entity whose outer headers travel as HTTP headers. pyas2lib reads and
writes the whole entity, so ``Wire`` carries both halves and joins them for it. Our AS2 identity and a
partner's settings (``services/ports/transports.py``) become pyas2lib's ``Organization`` and
``Partner`` here, so no other module touches pyas2lib's untyped objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from typing import Any, cast

from pyas2lib import Mdn, Message, Organization, Partner  # type: ignore[import-untyped]
from pyas2lib.utils import unquote_as2name  # type: ignore[import-untyped]

from overture.services.ports import As2Identity, As2PartnerSettings, MdnMode

PROCESSED = "processed"
X12_CONTENT_TYPE = "application/edi-x12"
# Headers of the HTTP request that are the caller's, never part of the AS2 message: not kept raw.
PRIVATE_HEADERS = frozenset({"authorization", "cookie", "x-api-key"})


@dataclass(frozen=True, slots=True)
class Wire:
    """An AS2 message or MDN as HTTP carries it."""

    headers: dict[str, str]
    body: bytes

    def mime(self) -> bytes:
        """The MIME entity pyas2lib reads: the headers, a blank line, the body."""
        lines = "".join(f"{k}: {v}\r\n" for k, v in self.headers.items() if k.lower() not in PRIVATE_HEADERS)
        return lines.encode() + b"\r\n" + self.body

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the outer headers say, readable before anything is decrypted."""

    message_id: str
    as2_from: str
    as2_to: str


@dataclass(frozen=True, slots=True)
class Received:
    """A message read: its disposition (``processed`` or ``processed/Error: <modifier>``), the payload
    when it could be read, and the MDN to answer with (None when the sender asked for none)."""

    envelope: Envelope
    disposition: str
    payload: bytes | None
    filename: str | None
    mic: str | None
    mdn: Wire | None
    mdn_message_id: str | None
    mdn_url: str | None  # set when the sender asked for its MDN to be posted to it later

    @property
    def processed(self) -> bool:
        return self.disposition == PROCESSED


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: str
    wire: Wire
    mic: str | None  # what the partner's MDN must echo (when we signed)


@dataclass(frozen=True, slots=True)
class MdnReading:
    original_message_id: str | None
    mdn_message_id: str | None
    disposition: str  # "processed", "processed/warning: ...", "failed/Failure: ..."


def envelope(wire: Wire) -> Envelope:
    def value(name: str) -> str:
        return str(unquote_as2name(wire.header(name) or "")) if wire.header(name) else ""

    return Envelope((wire.header("message-id") or "").strip().strip("<>"), value("as2-from"), value("as2-to"))


def organization(identity: As2Identity) -> Any:
    key = (identity.private_key_pem + "\n" + identity.certificate_pem).encode()
    return Organization(identity.as2_id, sign_key=key, decrypt_key=key, mdn_url=identity.mdn_url)


def partner(settings: As2PartnerSettings) -> Any:
    mode = {MdnMode.SYNC: "SYNC", MdnMode.ASYNC: "ASYNC", MdnMode.NONE: None}[settings.mdn_mode]
    certificate = settings.certificate_pem.encode()
    return Partner(
        settings.as2_id,
        verify_cert=certificate,
        encrypt_cert=certificate,
        sign=settings.sign,
        encrypt=settings.encrypt,
        enc_alg=settings.encryption,
        digest_alg=settings.digest,
        mdn_mode=mode,
        mdn_digest_alg=settings.digest if settings.mdn_signed and mode else None,
    )


def read_message(
    wire: Wire,
    *,
    identity: As2Identity | None,
    settings: As2PartnerSettings | None,
    seen: Callable[[str], bool],
) -> Received:
    """Decrypt and verify as the partner's settings require, and build the MDN. A partner or identity we
    do not know is ``unknown-trading-partner`` (pyas2lib cannot sign an MDN for a partner it has no
    settings for, so that MDN is unsigned); ``seen(message_id)`` says whether the id was processed."""
    found = (organization(identity), partner(settings)) if identity and settings else (None, None)
    message = Message()
    status, (error, _), mdn = message.parse(
        wire.mime(),
        find_org_partner_cb=lambda _to, _from: found,
        find_message_cb=lambda message_id, _from: seen(message_id),
    )
    # pyas2lib puts the RFC 4130 modifier ("decryption-failed"...) on the error it caught, and in the MDN.
    detail = getattr(error, "disposition_modifier", "unexpected-processing-error") if error else None
    disposition = str(status) + (f": {detail}" if detail else "")
    processed = status == PROCESSED
    return Received(
        envelope=envelope(wire),
        disposition=disposition,
        payload=_payload(message) if processed else None,
        filename=message.payload.get_filename() if processed and message.payload is not None else None,
        mic=message.mic.decode() if message.mic else None,
        mdn=Wire(_headers(mdn.headers), cast(bytes, mdn.content)) if mdn is not None else None,
        mdn_message_id=str(mdn.message_id) if mdn is not None else None,
        mdn_url=str(mdn.mdn_url) if mdn is not None and mdn.mdn_mode == "ASYNC" else None,
    )


def build_message(
    payload: bytes, *, filename: str, identity: As2Identity, settings: As2PartnerSettings, subject: str
) -> Sent:
    """Sign and encrypt ``payload`` as the partner's settings say, asking for its MDN as they say too."""
    message = Message(organization(identity), partner(settings))
    message.build(
        payload,
        filename=filename,
        subject=subject,
        content_type=X12_CONTENT_TYPE,
        disposition_notification_to=identity.as2_id,
    )
    wire = Wire(_headers(message.headers), cast(bytes, message.content))
    return Sent(str(message.message_id), wire, message.mic.decode() if message.mic else None)


def is_mdn(wire: Wire) -> bool:
    """Whether what arrived is an MDN (an asynchronous one, for a message we sent), not a message."""
    entity = message_from_bytes(wire.mime())
    return any(part.get_content_type() == "multipart/report" for part in entity.walk())


def read_mdn(
    wire: Wire, *, identity: As2Identity, settings: As2PartnerSettings, message_id: str, mic: str | None
) -> MdnReading:
    """Verify the partner's MDN for our message ``message_id`` (its signature, when we asked for a signed
    one, and the MIC it echoes) and say what it reports."""
    original = Message(organization(identity), partner(settings))
    original.message_id, original.mic = message_id, mic.encode() if mic else None
    mdn = Mdn()
    status, detail = mdn.parse(wire.mime(), lambda _id, _recipient: original)
    disposition = str(status) + (f": {detail}" if detail else "")
    mdn_id = envelope(wire).message_id or None
    return MdnReading(mdn.orig_message_id, mdn_id, disposition)


def original_message_id(wire: Wire) -> str | None:
    """The message id an MDN answers, read before knowing whose MDN it is."""
    mdn = Mdn()
    mdn.payload = message_from_bytes(wire.mime())
    try:
        message_id, _ = mdn.detect_mdn()
    except Exception:  # pyas2lib raises its MDNNotFound, or fails on a report without the field
        return None
    return str(message_id) if message_id else None


def _payload(message: Any) -> bytes:
    content = message.content
    return content.encode() if isinstance(content, str) else cast(bytes, content)


def _headers(headers: dict[str, Any]) -> dict[str, str]:
    # HTTP carries the MIME headers; Content-Transfer-Encoding and MIME-Version are the body's business.
    return {str(k): str(v).replace("\n", " ").replace("\r", "") for k, v in headers.items()}
