"""Secret settings from files (``OVERTURE_<NAME>_FILE``, ``OVERTURE_SECRETS_DIR``), as containers mount them."""

from __future__ import annotations

from pathlib import Path

import pytest

from overture.config import Settings


def test_a_secret_is_read_from_the_file_its_variable_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret").write_text("shpss_from_a_file\n")
    monkeypatch.setenv("OVERTURE_SHOPIFY_WEBHOOK_SECRET_FILE", str(tmp_path / "secret"))

    secret = Settings().shopify_webhook_secret

    assert secret is not None and secret.get_secret_value() == "shpss_from_a_file"


def test_a_secrets_directory_holds_files_named_after_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acumatica_password").write_text("from-dir")
    (tmp_path / "shopify_webhook_secrets").write_text('{"https://a.myshopify.com": "s1"}')
    (tmp_path / "home").write_text("/not/a/secret")  # configuration is never read from there
    monkeypatch.setenv("OVERTURE_SECRETS_DIR", str(tmp_path))

    settings = Settings()

    assert settings.acumatica_password is not None and settings.acumatica_password.get_secret_value() == "from-dir"
    assert {k: v.get_secret_value() for k, v in settings.shopify_webhook_secrets.items()} == {
        "https://a.myshopify.com": "s1"
    }
    assert settings.home == Path(".overture")


def test_the_environment_wins_over_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret").write_text("from-file")
    monkeypatch.setenv("OVERTURE_ACUMATICA_PASSWORD_FILE", str(tmp_path / "secret"))
    monkeypatch.setenv("OVERTURE_ACUMATICA_PASSWORD", "from-env")

    password = Settings().acumatica_password

    assert password is not None and password.get_secret_value() == "from-env"


def test_a_named_file_that_is_missing_is_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERTURE_STRIPE_WEBHOOK_SECRET_FILE", str(tmp_path / "absent"))

    with pytest.raises(ValueError, match="OVERTURE_STRIPE_WEBHOOK_SECRET_FILE"):
        Settings()
