"""The assignment pages in a real browser: Debian's Chromium driven by Playwright, against
pytest-django's live server. Set KAM_SCREENSHOT_DIR to keep screenshots of the pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from kam.assignments.policy import policy_update
from kam.assignments.services import account_assign
from tests.browser import BROWSER_TEST_MARKS, screenshot, sign_in
from tests.factories import AccountFactory

pytestmark = BROWSER_TEST_MARKS


def test_propose_reject_a_line_with_htmx_apply_and_see_the_board_change(
    page: Page, live_server, director, team, key_run
):
    # given fiona leading one food account and two new key accounts, food and auto
    kept = AccountFactory(name="Kept", sector="Food", employees=300, external_id="K")
    account_assign(account=kept, manager=team["food"], reason="history")
    AccountFactory(name="Foodco", sector="Food", employees=300, external_id="F")
    AccountFactory(name="Autoco", sector="Auto", employees=300, external_id="A")
    from kam.accounts.models import Account

    key_run([(Account.objects.get(external_id=x), "key", 100.0) for x in ("K", "F", "A")])
    # no balance term: this test is about the page, not about the balance of portfolios
    policy_update(user=None, changes={"balance": 0.0})
    sign_in(page, live_server.url, "dora")

    # when the director opens the board: fiona leads Kept, arno nothing
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolios").click()
    expect(page.get_by_role("heading", name="Portfolios", level=1)).to_be_visible()
    fiona = page.locator('section.portfolio[data-manager="fiona"]')
    arno = page.locator('section.portfolio[data-manager="arno"]')
    expect(fiona).to_contain_text("Kept")
    expect(arno).to_contain_text("No account yet.")
    screenshot(page, "assignments-board-before")

    # and proposes now: the proposal opens with the two new accounts
    page.get_by_role("button", name="Propose now").click()
    expect(page.get_by_role("heading", name=re.compile(r"Proposal #\d+"))).to_be_visible()
    proposal_url = page.url
    diff = page.locator("#diff")
    expect(diff.locator("tbody tr")).to_have_count(2)
    expect(page.locator('#loads tr[data-manager="arno"] td.decided')).to_have_text("1")

    # when the Autoco line is rejected (htmx: the row and the loads change in place)
    row = diff.locator('tr[data-account="A"]')
    row.get_by_role("button", name="Reject Autoco").click()
    expect(row).to_have_class(re.compile("is-rejected"))
    expect(row.get_by_role("button", name="Accept Autoco")).to_be_visible()
    expect(page.locator('#loads tr[data-manager="arno"] td.decided')).to_have_text("0")
    expect(page.locator("#decided-counts")).to_have_text("1 accepted · 1 rejected")
    assert page.url == proposal_url  # no page load: htmx swapped the row
    screenshot(page, "assignments-proposal-review")

    # and the accepted lines are applied
    page.get_by_role("button", name="Apply accepted lines").click()
    expect(page.locator(".messages")).to_contain_text("applied")
    expect(page.locator("#proposal-state")).to_have_text("Partly applied")

    # then the board shows Foodco with fiona, and arno still without account
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolios").click()
    expect(fiona).to_contain_text("Foodco")
    expect(arno).to_contain_text("No account yet.")
    screenshot(page, "assignments-board-after")

    # and Foodco's page loads its Assignment section: fiona leads it, with the history
    fiona.get_by_role("link", name="Foodco").click()
    section = page.locator("#assignment")
    expect(section.locator("#assignment-current")).to_contain_text("fiona")
    expect(section.locator("#assignment-history")).to_contain_text("Assignment proposal #")
    expect(section.get_by_role("button", name="Pin the lead")).to_be_visible()
    screenshot(page, "assignments-account-section")
