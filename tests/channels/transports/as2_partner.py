"""The trading partner's side of AS2, built with pyas2lib alone: a real HTTP endpoint on a loopback port
that receives our messages (answering with its MDN, in the answer or posted later) and our
asynchronous MDNs, and a sender of its own messages to our endpoint."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

# tests/conftest.py imports the app, so overture.channels.transports has fixed oscrypto's OpenSSL
# version check (channels/transports/_oscrypto.py) before this imports pyas2lib.
from pyas2lib import Mdn, Message, Organization, Partner  # type: ignore[import-untyped]

from tests.channels.transports.keys import KeyPair


@dataclass
class Received:
    payload: bytes
    message_id: str
    status: str
    detail: str | None
    mdn_message_id: str | None


@dataclass
class PartnerAs2:
    """ACME's AS2 station. ``us`` is how it knows Overture (our certificate, the algorithms it asks for)."""

    as2_id: str
    keys: KeyPair
    our_as2_id: str
    our_certificate: str
    async_mdn: bool = False  # ask for our MDNs to be posted to it (and post its own MDNs later)
    received: list[Received] = field(default_factory=list)
    mdns: list[tuple[str, str | None]] = field(default_factory=list)  # async MDNs from us: (status, detail)
    sent: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/as2"

    def start(self) -> PartnerAs2:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def organization(self, keys: KeyPair | None = None) -> Any:
        k = (keys or self.keys).combined
        return Organization(self.as2_id, sign_key=k, decrypt_key=k, mdn_url=self.url if self.async_mdn else None)

    def us(self, *, sign: bool = True, encrypt: bool = True, certificate: str | None = None) -> Any:
        """How ACME knows us; ``certificate`` replaces the one it encrypts for (never the one it verifies)."""
        cert = self.our_certificate.encode()
        return Partner(
            self.our_as2_id, verify_cert=cert, encrypt_cert=(certificate or self.our_certificate).encode(),
            sign=sign, encrypt=encrypt,
            enc_alg="aes_256_cbc", mdn_mode="ASYNC" if self.async_mdn else "SYNC", mdn_digest_alg="sha256",
        )  # fmt: skip

    def send(
        self,
        url: str,
        payload: bytes,
        *,
        sign: bool = True,
        encrypt_to: str | None = None,
        signing_keys: KeyPair | None = None,
        as2_from: str | None = None,
    ) -> tuple[httpx.Response, Any]:
        """Post ``payload`` to our endpoint as ACME would; returns the answer and the message sent."""
        organization = self.organization(signing_keys)
        if as2_from:
            organization.as2_name = as2_from
        message = Message(organization, self.us(sign=sign, certificate=encrypt_to))
        message.build(payload, filename="po.x12", content_type="application/edi-x12")
        self.sent[message.message_id] = message
        response = httpx.post(url, content=message.content, headers=message.headers, timeout=30)
        return response, message

    def read_mdn(self, response: httpx.Response, message: Any) -> tuple[str, str | None, Any]:
        raw = "".join(f"{k}: {v}\r\n" for k, v in response.headers.items()).encode() + b"\r\n" + response.content
        mdn = Mdn()
        status, detail = mdn.parse(raw, lambda _id, _to: message)
        return status, detail, mdn

    def wait(self, what: str, count: int, timeout_s: float = 15) -> None:
        deadline = time.monotonic() + timeout_s
        while len(getattr(self, what)) < count:
            assert time.monotonic() < deadline, f"{what}: {len(getattr(self, what))} of {count}"
            time.sleep(0.05)

    def _handle(self, raw: bytes) -> tuple[dict[str, str], bytes, tuple[str, Any] | None]:
        """The answer to one post: (headers, body, (URL, MDN) to post afterwards)."""
        if b"multipart/report" in raw[:4000] or b"disposition-notification" in raw.split(b"\r\n\r\n")[0]:
            mdn = Mdn()
            status, detail = mdn.parse(raw, lambda message_id, _to: self.sent.get(message_id))
            if status is not None and mdn.orig_message_id in self.sent:
                self.mdns.append((status, detail))
                return {}, b"", None
        message = Message()
        status, (error, _), mdn = message.parse(
            raw, find_org_partner_cb=lambda _to, _from: (self.organization(), self.us())
        )
        detail = getattr(error, "disposition_modifier", None)
        self.received.append(Received(message.content, message.message_id, status, detail, mdn and mdn.message_id))
        if mdn is None:
            return {}, b"", None
        if mdn.mdn_mode == "ASYNC":
            return {}, b"", (mdn.mdn_url, mdn)
        return {k: str(v) for k, v in mdn.headers.items()}, mdn.content, None


def _handler(partner: PartnerAs2) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            raw = "".join(f"{k}: {v}\r\n" for k, v in self.headers.items()).encode() + b"\r\n" + body
            headers, answer, post_to = partner._handle(raw)
            self.send_response(200)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            if post_to:
                threading.Thread(target=_post_async, args=post_to, daemon=True).start()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _post_async(url: str, mdn: Any) -> None:
    """ACME's asynchronous MDN for one of our messages, posted once its answer is sent."""
    time.sleep(0.1)
    httpx.post(url, content=mdn.content, headers={k: str(v) for k, v in mdn.headers.items()}, timeout=30)
