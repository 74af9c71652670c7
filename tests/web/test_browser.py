"""The web UI in a real browser: Debian's Chromium driven by Playwright, against
pytest-django's live server. Set KAM_SCREENSHOT_DIR to keep screenshots of the pages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

from kam.core.charts import add_months, month_start
from kam.sales.models import BatchStatus, ImportBatch
from tests.browser import BROWSER_TEST_MARKS, screenshot, sign_in
from tests.factories import AccountFactory, assign

pytestmark = BROWSER_TEST_MARKS


def test_browse_filter_open_account_chart_and_switch_language(
    page: Page, live_server, director, kam_user, committed_sales
):
    # given accounts in two sectors, one of them a group with sales over two years
    this_month = month_start(date.today())
    group = AccountFactory(
        name="Northwind Holding",
        external_id="NW-1",
        sector="Retail",
        countries_of_operation=["DE", "FR"],
        employees=5200,
    )
    AccountFactory(name="Northwind France", parent=group, sector="Retail")
    for n in range(12):
        AccountFactory(name=f"Contoso Plant {n:02d}", sector="Industry", country="DE")
    assign(group, kam_user)
    committed_sales(
        (group.external_id, f"O{k}", add_months(this_month, -k), 1000.0 + 40 * k, 250.0)
        for k in range(1, 25)
    )
    # when the director signs in
    sign_in(page, live_server.url, "dora")
    table = page.locator("#account-table")
    expect(table.locator("tbody tr")).to_have_count(14)
    screenshot(page, "accounts-list")

    # and filters on the Retail sector: htmx replaces the table and the URL follows
    page.get_by_label("Sector").select_option("Retail")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"sector=Retail"))
    # and searches by name within it
    page.get_by_label("Search").fill("holding")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("kim")

    # and opens the account: the chart is drawn by vega-embed
    page.get_by_role("link", name="Northwind Holding").click()
    expect(page.get_by_role("heading", name="Northwind Holding", level=1)).to_be_visible()
    expect(page.locator("#sales-chart svg").first).to_be_visible()
    expect(page.locator("#sales-chart")).to_have_attribute("data-vega-drawn", "done")
    expect(page.locator(".kpis")).to_contain_text("Revenue, last 12 months")
    screenshot(page, "account-detail")

    # and switches to French: the same page, in French, chart included
    page.get_by_role("button", name="FR").click()
    expect(page.get_by_role("heading", name="Ventes par mois")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/NW-1/$"))
    expect(page.locator("#sales-chart svg").first).to_be_visible()
    expect(page.locator("#sales-chart")).to_contain_text("Chiffre d'affaires")
    screenshot(page, "account-detail-fr")
    # and back to English on the filtered list (htmx-pushed URL kept by the switch)
    page.get_by_role("link", name="Comptes").first.click()
    page.get_by_label("Secteur").select_option("Industry")
    expect(page.locator("#account-table tbody tr")).to_have_count(12)
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"sector=Industry"))
    expect(page.locator("#account-table tbody tr")).to_have_count(12)


def test_sorting_by_a_column_header_in_place(page: Page, live_server, director):
    AccountFactory(name="Small Co", employees=5)
    AccountFactory(name="Large Co", employees=9000)
    sign_in(page, live_server.url, "dora")
    first_name = page.locator("#account-table tbody tr").first.locator(".account-name")
    expect(first_name).to_have_text("Large Co")  # by name: L before S
    page.get_by_role("link", name="Employees").click()
    expect(page).to_have_url(re.compile(r"ordering=employees"))
    expect(first_name).to_have_text("Small Co")
    page.get_by_role("link", name="Employees").click()
    expect(page).to_have_url(re.compile(r"ordering=-employees"))
    expect(first_name).to_have_text("Large Co")


def test_bad_sales_upload_lists_row_errors_and_stores_nothing(
    page: Page, live_server, director, tmp_path
):
    # given a known account and a sales file with a bad date and a bad amount
    AccountFactory(external_id="A1", name="Acme")
    bad = tmp_path / "ventes.csv"
    bad.write_text(
        "account_id,order_id,order_date,product,quantity,amount,margin\n"
        "A1,O1,2025-01-15,Widget,2,100.00,30.00\n"
        "A1,O2,not-a-date,Gadget,1,50.50,10.00\n"
        "A1,O3,2025-02-03,Gadget,1,lots,10.00\n"
    )
    sign_in(page, live_server.url, "dora")
    # when the director uploads it on the import page
    page.get_by_role("link", name="Upload").click()
    page.get_by_label("Sales (order lines)").check()
    page.get_by_label("File", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Import", exact=True).click()
    # then the rows at fault are listed, with a message that nothing was stored
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(page.locator("#import-errors")).to_contain_text("not-a-date")
    expect(page.locator("#import-errors")).to_contain_text("lots")
    expect(page.locator(".messages")).to_contain_text("nothing was stored")
    screenshot(page, "import-rejected")
    # and nothing was stored
    assert not ImportBatch.objects.filter(status=BatchStatus.COMMITTED).exists()
    ledger = Path(settings.KAM_LEDGER_DIR)
    assert not ledger.exists() or not list(ledger.glob("*.parquet"))
