"""A real SFTP server (asyncssh's own) rooted at a folder, on a loopback port, in a thread of its own,
with a throwaway host key and one client key: the partner's side of the SFTP tests."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import asyncssh

from overture.channels.transports.sftp import SftpEndpoint


class SftpServer:
    def __init__(self, root: Path, keys: Path) -> None:
        self.root = root
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519")
        keys.mkdir(parents=True, exist_ok=True)
        self.client_key = keys / "client"
        client_key.write_private_key(str(self.client_key))
        (keys / "authorized_keys").write_bytes(client_key.export_public_key())
        self._host_key, self._keys = host_key, keys
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncssh.SSHAcceptor | None = None
        self.port = 0

    def start(self) -> SftpServer:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=15)
        self.port = self._server.get_port()
        line = f"[127.0.0.1]:{self.port} ".encode() + self._host_key.export_public_key()
        (self._keys / "known_hosts").write_bytes(line)
        return self

    async def _listen(self) -> asyncssh.SSHAcceptor:
        root = str(self.root).encode()
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[self._host_key],
            authorized_client_keys=str(self._keys / "authorized_keys"),
            sftp_factory=lambda channel: asyncssh.SFTPServer(channel, chroot=root),
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=15)

    def endpoint(self, partner_id: str) -> SftpEndpoint:
        return SftpEndpoint(
            partner_id=partner_id, host="127.0.0.1", port=self.port, username="acme",
            known_hosts=str(self._keys / "known_hosts"), client_keys=(str(self.client_key),),
        )  # fmt: skip
