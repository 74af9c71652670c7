"""The 360° page's plans, health and alerts in a real browser: htmx loads the sections,
a KAM sees their alerts on the home page, starts a plan and acknowledges an alert."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser import BROWSER_TEST_MARKS, screenshot, sign_in
from tests.plans.conftest import AS_OF

pytestmark = BROWSER_TEST_MARKS


def test_home_alerts_health_plan_and_acknowledgement(page: Page, live_server, book):
    from kam.plans.services import alerts_refresh

    alerts_refresh(as_of=AS_OF)
    sign_in(page, live_server.url, "kim")
    home = page.locator("#my-alerts")
    expect(home).to_contain_text("Revenue drop")
    expect(home).not_to_contain_text("Bravo")
    home.get_by_role("row", name="Revenue drop").get_by_role("link", name="Alpha").click()

    health = page.locator("#health")
    expect(health.get_by_role("row", name="Revenue trend")).to_be_visible()
    expect(health.locator("tfoot")).to_contain_text("Score")
    plan = page.locator("#plan")
    plan.get_by_role("button", name="Start a plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("account plan")
    page.get_by_role("textbox", name="Needs").fill("Same-day delivery")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_role("textbox", name="Needs")).to_have_value("Same-day delivery")
    screenshot(page, "plans-plan")

    page.get_by_role("link", name="Alpha").first.click()
    alerts = page.locator("#alerts")
    first = alerts.get_by_role("row", name="Revenue drop")
    first.get_by_placeholder("Note (optional)").fill("Budget freeze until July")
    first.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#alerts")).to_contain_text("Budget freeze until July")
    screenshot(page, "plans-alerts")
