"""Let pyas2lib's crypto library (oscrypto 1.3.0) find an OpenSSL whose version has a two-digit part.

oscrypto 1.3.0, the last release, reads libcrypto's version with ``\\d\\.\\d\\.\\d``, which fails on
"OpenSSL 3.0.10" and later ("Error detecting the version of libcrypto", wbond/oscrypto#78, fixed on
its master but not released). Before anything imports oscrypto's OpenSSL binding, this loads that one
module from its own source with upstream's corrected patterns. A release that has them already is
left alone; remove this module once pyas2lib can depend on one.
"""

from __future__ import annotations

import importlib.util
import sys

_OLD_NEW = [
    ("'\\\\b(\\\\d\\\\.\\\\d\\\\.\\\\d[a-z]*)\\\\b'", "'\\\\b(\\\\d+\\\\.\\\\d+\\\\.\\\\d+[a-z]*)\\\\b'"),
    ("'(?<=LibreSSL )(\\\\d\\\\.\\\\d(\\\\.\\\\d)?)\\\\b'", "'(?<=LibreSSL )(\\\\d+\\\\.\\\\d+(\\\\.\\\\d+)?)\\\\b'"),
    ("'(\\\\d)([a-z]+)'", "'(\\\\d+)([a-z]+)'"),
]


def _load_fixed(name: str) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.origin is None or name in sys.modules:
        return
    source = spec.loader.get_source(name)  # type: ignore[attr-defined]
    if not isinstance(source, str) or _OLD_NEW[0][0] not in source:
        return
    for old, new in _OLD_NEW:
        source = source.replace(old, new)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        exec(compile(source, spec.origin, "exec"), module.__dict__)
    except BaseException:
        del sys.modules[name]
        raise


def install() -> None:
    """Idempotent; oscrypto picks cffi when it is installed (it is, with pyOpenSSL), else ctypes."""
    from oscrypto import ffi  # type: ignore[import-untyped]

    _load_fixed(f"oscrypto._openssl._libcrypto_{ffi()}")


install()
