"""/docs (Swagger UI) and /redoc (ReDoc) work without internet and under the Content-Security-Policy:
every request that does not go to the hub itself is blocked, and none is needed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.browser.conftest import shot
from tests.conftest import LiveServer

REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


class Offline:
    """Blocks every request not to 127.0.0.1 and keeps what was blocked and what the console said."""

    def __init__(self, page: Any) -> None:
        self.blocked: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


def test_swagger_ui_lists_the_operations_offline(page: Any, console: LiveServer) -> None:
    offline = Offline(page)

    page.goto(f"{console.url}/docs")
    # Locators, not wait_for_function: the CSP forbids the eval that a JavaScript string needs.
    page.locator(".opblock").nth(10).wait_for(state="attached")

    assert page.title() == "Overture API - Swagger UI"
    assert page.locator(".information-container .title").first.inner_text().startswith("Overture")
    assert page.locator("button.authorize").count() == 1  # the bearer scheme: "Try it out" sends the key
    shot(page, "docs-swagger-ui")
    assert offline.blocked == [] and offline.errors == []


def test_redoc_renders_its_menu_offline(page: Any, console: LiveServer) -> None:
    offline = Offline(page)

    page.goto(f"{console.url}/redoc")
    page.locator(".menu-content li").nth(10).wait_for(state="attached")

    assert page.title() == "Overture API - ReDoc"
    page.get_by_text("Overture", exact=False).first.wait_for()
    # The visible part only: ReDoc lays out every operation on one page, and a full-page shot of it took
    # more than 15 s on a loaded two-core machine once the API had grown (the test is about the menu).
    shot(page, "docs-redoc", full_page=False)
    # The one thing ReDoc asks of the outside is its "API docs by Redocly" logo: the CSP refuses it and
    # ReDoc hides the image (onError); nothing the page needs.
    errors = [e for e in offline.errors if REDOC_LOGO not in e]
    assert offline.blocked == [] and errors == []
