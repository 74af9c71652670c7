"""What browser tests share: Debian's Chromium driven by Playwright (never a downloaded
browser), a fresh context per test that fails on any script error or failed request,
signing in, and screenshots (kept when KAM_SCREENSHOT_DIR is set).

The ``browser`` and ``page`` fixtures reach a test folder through its conftest; browser
test modules mark themselves with ``BROWSER_TEST_MARKS`` and run against pytest-django's
live server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-Secret-123"  # tests.factories.make_user

# serialized_rollback: a live-server test empties the database afterwards; this puts the
# role groups (made by a data migration) back for the tests that follow.
BROWSER_TEST_MARKS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="module")
def browser(django_db_setup) -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make around it are still synchronous and safe. Only for this module's tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    snapshot = getattr(connections[DEFAULT_DB_ALIAS], "_test_serialized_contents", None)
    try:
        with sync_playwright() as playwright:
            # Django keeps its connections in a context variable, and Playwright's sync
            # API runs the rest of this thread in a new context, with new connection
            # objects. Hand the new default connection the database snapshot that
            # serialized_rollback restores after each live-server test, or the role
            # groups would be lost.
            if snapshot is not None:
                connections[DEFAULT_DB_ALIAS]._test_serialized_contents = snapshot
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    # Any uncaught script error or failed request fails the test: a chart that silently
    # fails to draw is a bug.
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    yield tab
    context.close()
    assert problems == []


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("KAM_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
