"""/docs and /redoc: the package's own Swagger UI and ReDoc, public, with no inline script (the CSP
forbids one) and no CDN; without the files ``make install`` fetches, a page saying so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from overture.ui import docs


@pytest.mark.auth
@pytest.mark.parametrize(("path", "bundle"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
def test_the_docs_pages_are_public_and_load_only_the_hub_s_own_scripts(
    client: TestClient, path: str, bundle: str
) -> None:
    if docs._missing(docs.SWAGGER_FILES + docs.REDOC_FILES):
        pytest.skip("the vendor files are not installed (make install)")
    page = client.get(path)

    assert page.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, flags=re.S)
    assert [body for _, body in scripts] == ["", ""]  # no inline script
    assert [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts] == [  # type: ignore[union-attr]
        f"/static/vendor/{bundle}",
        "/static/docs-init.js",
    ]
    assert "http" not in page.text  # nothing from another host
    assert client.get(f"/static/vendor/{bundle}").status_code == 200
    assert client.get("/static/docs-init.js").status_code == 200


def test_without_the_vendor_files_the_page_says_make_install_fetches_them(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docs, "STATIC", tmp_path)

    for path, file in (("/docs", "vendor/swagger-ui-bundle.js"), ("/redoc", "vendor/redoc.standalone.js")):
        page = client.get(path)
        assert page.status_code == 503
        assert "make install" in page.text and file in page.text and "<script" not in page.text


def test_the_schema_offers_a_bearer_key_to_try_calls_with(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()

    assert schema["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert schema["security"] == [{"bearer": []}]
    assert "/docs" not in schema["paths"] and "/redoc" not in schema["paths"]
