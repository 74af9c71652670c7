"""The account's engagement section in a real browser: htmx loads it, two clicks log an
activity, a 4th channel is refused on the plan form, the suggested plan is accepted."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser import BROWSER_TEST_MARKS, screenshot, sign_in
from tests.factories import AccountFactory, assign

pytestmark = BROWSER_TEST_MARKS


def test_log_in_two_clicks_refuse_a_fourth_channel_accept_the_suggestion(
    page: Page, live_server, kam_user
):
    account = AccountFactory(external_id="NW-1", name="Northwind", sector="Retail")
    assign(account, kam_user)
    sign_in(page, live_server.url, "kim")
    page.goto(f"{live_server.url}/accounts/NW-1/")
    section = page.locator("#engagement")
    expect(section.get_by_role("heading", name="Log an activity")).to_be_visible()

    # two clicks: a channel, then an outcome
    section.get_by_role("radio", name="Phone call").check()
    section.get_by_role("button", name="Reply", exact=True).click()
    expect(section.get_by_role("status")).to_have_text("Logged: Phone call, Reply.")
    expect(section.locator(".timeline")).to_contain_text("Phone call")
    screenshot(page, "engagement-logged")

    # a 4th channel is refused with the field-named message
    plan = section.locator("form", has=page.get_by_role("button", name="Save the plan"))
    for label in ("Visit", "Phone call", "Emailing", "Webinar"):
        plan.get_by_role("checkbox", name=label, exact=True).check()
    plan.get_by_role("button", name="Save the plan").click()
    expect(section.get_by_role("alert")).to_have_text(
        "channels: a key account has at most 3 channels (got 4)"
    )
    screenshot(page, "engagement-refused")

    # the suggested plan (phone calls: the only channel with history) is accepted
    section.get_by_role("button", name="Use the suggested plan").click()
    expect(section.get_by_role("status")).to_contain_text("suggested plan")
    expect(section.locator(".plan-list")).to_contain_text("Phone call")
    screenshot(page, "engagement-plan")
