"""How partners' X12 travels besides HTTP posts and the drop folder: AS2 (RFC 4130) and SFTP.

- ``as2.py``: the AS2 protocol on pyas2lib, pure: read a message (decrypt, verify, MDN), build one
  (sign, encrypt), read an MDN. No store, no network.
- ``as2_intake.py``: a message received: kept raw first, read, answered with an MDN, its X12 given
  to ``channels/x12/intake.receive_x12``; an asynchronous MDN for something we sent, recorded.
- ``as2_outbound.py``: the 997 and 855s sent back over AS2 and the MDN each one gets, recorded.
- ``sftp.py``: the poller of a partner's SFTP inbox.

What a partner sent wrongly (unsigned, undecryptable, unknown) is never an exception here: it is an
MDN naming the RFC 4130 disposition, with the raw message kept. Errors raised are the store's, the
network's (httpx, asyncssh), and ``PayloadRejected`` from the X12 intake.
"""

# The package runs this before any module of it imports pyas2lib, which imports oscrypto.
from overture.channels.transports import _oscrypto  # noqa: F401
