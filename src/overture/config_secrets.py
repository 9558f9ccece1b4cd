"""Secrets from files, the way containers hand them over: ``OVERTURE_<NAME>_FILE=/run/secrets/x`` reads
that secret setting from the file (trailing newline dropped), and ``OVERTURE_SECRETS_DIR`` names a
directory whose files are named after the settings (``shopify_webhook_secret``), as Docker and
Kubernetes mount them. A secret set directly in the environment wins over its file.

Only secret settings (``SecretStr``, a mapping of them, and ``TEXT_SECRETS``) are read this way: the rest are
configuration, which belongs in the environment where ``overture`` prints it. Secrets never come
from the store, the API or a file in the repository.
"""

from __future__ import annotations

import os
import typing
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

PREFIX = "OVERTURE_"
# Secrets kept as plain text because the simulators' defaults are shown in --help and the connectors
# take them as text; they are secrets all the same.
TEXT_SECRETS = frozenset({"payments_key", "stripe_webhook_secret", "carrier_key"})


def is_secret(name: str, field: FieldInfo) -> bool:
    def holds(annotation: Any) -> bool:
        return annotation is SecretStr or any(holds(arg) for arg in typing.get_args(annotation))

    return name in TEXT_SECRETS or holds(field.annotation)


class SecretFiles(PydanticBaseSettingsSource):
    """``OVERTURE_<NAME>_FILE`` first, then ``$OVERTURE_SECRETS_DIR/<name>``, for secret settings only."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        directory = os.environ.get(f"{PREFIX}SECRETS_DIR")
        self._directory = Path(directory) if directory else None

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._read(field_name) if is_secret(field_name, field) else None, field_name, False

    def _read(self, name: str) -> str | None:
        named = os.environ.get(f"{PREFIX}{name.upper()}_FILE")
        path = Path(named) if named else (self._directory / name if self._directory else None)
        if path is None or not path.is_file():
            if named:  # asked for by name: a missing file is a mistake to say, not a default to take
                raise ValueError(f"{PREFIX}{name.upper()}_FILE names {named}, which is not a file")
            return None
        return path.read_text(encoding="utf-8").rstrip("\r\n")

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                found[key] = self.prepare_field_value(name, field, value, False)
        return found
