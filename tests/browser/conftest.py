"""What every browser test shares: Debian's Chromium driven by Playwright, pages of any width, full-page
screenshots under test-artifacts/, and the console served over a seeded store without Temporal.

Chromium comes from ``make browser`` (apt, as root); without it, or without the playwright package,
every test here is skipped, saying so. The console server is the real app under uvicorn (tests/conftest.py
``LiveServer``) on SQLite: what the pages read is tested on both stores in tests/ui; here the browser
is what is under test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from tests.conftest import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

PageFactory = Callable[..., Any]


def _sync_api() -> Any:
    if not Path(CHROMIUM).is_file():
        pytest.skip("browser tests skipped: Debian's chromium is not installed (`make browser` installs it, as root)")
    return pytest.importorskip(
        "playwright.sync_api", reason="browser tests skipped: the playwright package is not installed (make install)"
    )


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test module; each test gets its own context (cookies, viewport)."""
    sync_api = _sync_api()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Any) -> Iterator[PageFactory]:
    """``new_page(width=1366, height=900)``: a page in a fresh browser context of that viewport."""
    contexts: list[Any] = []

    def make(*, width: int = 1366, height: int = 900) -> Any:
        context = chromium.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: PageFactory) -> Any:
    return new_page()


def shot(page: Any, name: str, *, full_page: bool = True) -> None:
    """A screenshot under test-artifacts/ (the whole page unless told), for a person to look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def console_container(sqlite_url: str, tmp_path: Path) -> Iterator[Container]:
    """A store with auth off (tests about access build their own): seed it, then start ``console``."""
    built = bootstrap(Settings(home=tmp_path, database_url=sqlite_url, auth="off"), migrate=False)
    yield built
    built.close()


@pytest.fixture
def console(console_container: Container) -> Iterator[LiveServer]:
    """The app over ``console_container`` under uvicorn on a loopback port (``.url``)."""
    server = LiveServer(console_container)
    server.start()
    yield server
    server.stop()
