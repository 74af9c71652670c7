"""The scoring pages in a real browser: Debian's Chromium driven by Playwright, against
pytest-django's live server. Set KAM_SCREENSHOT_DIR to keep screenshots of the pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser import BROWSER_TEST_MARKS, PASSWORD, screenshot
from tests.web_scoring.conftest import Book

pytestmark = BROWSER_TEST_MARKS


def test_key_accounts_score_page_and_live_preview_in_the_editor(
    page: Page, live_server, director, book: Book
):
    # given a director signed in
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("dora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()

    # when they open the key accounts: the key tier only, then every tier in place
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Key accounts").click()
    table = page.locator("#key-account-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Alpha")
    page.get_by_label("Tier").select_option("")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(page).to_have_url(re.compile(r"tier=(&|$)"))
    screenshot(page, "scoring-key-accounts")

    # and open Charlie's score: the contributions chart is drawn by vega-embed
    table.get_by_role("link", name="Charlie").click()
    expect(page.get_by_role("heading", name="Charlie", level=1)).to_be_visible()
    chart = page.locator("#contributions-chart")
    expect(chart).to_have_attribute("data-vega-drawn", "done")
    expect(chart.locator("svg").first).to_be_visible()
    expect(page.locator("#contributions-table tfoot")).to_contain_text("40.0")
    screenshot(page, "scoring-account-score")

    # and edit the scorecard: the preview first says nothing would change
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scorecards").click()
    page.get_by_role("link", name="Edit as a new version").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Nothing would change.")

    # when a weight changes so that they no longer sum to 100: the sum and the problem show
    page.locator("#id_criteria-0-weight").fill("90")
    expect(page.locator("#weight-sum")).to_have_text("130.0")
    expect(page.locator("#err-weights")).to_contain_text("must sum to 100 %")
    expect(preview).to_contain_text("This scorecard cannot be used yet.")

    # and the other weight follows: Charlie would leave the strategic tier
    page.locator("#id_criteria-1-weight").fill("10")
    expect(page.locator("#weight-sum")).to_have_text("100.0")
    expect(preview).to_contain_text("1 would leave: Charlie")
    expect(page.locator("#err-weights")).to_be_empty()
    screenshot(page, "scoring-editor-preview")
