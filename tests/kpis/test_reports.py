"""The KPI reports: the PDF (WeasyPrint) and the workbook open and carry the dashboard's
numbers; the same files from the command line and the dashboard's downloads."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook
from weasyprint import HTML

from kam.cli import main
from kam.kpis.dashboard import kpi_dashboard
from kam.kpis.formatting import figure
from kam.kpis.models import KpiTarget
from kam.kpis.reports import pdf_html
from tests.kpis.conftest import FROM, PERIOD, TO

pytestmark = pytest.mark.django_db
CLI_PERIOD = ["--period", f"{PERIOD['from']}:{PERIOD['to']}"]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _texts(html: str) -> list[str]:
    """The text laid out on each page of the PDF printed from ``html`` (WeasyPrint's
    document API: the boxes of each page, margin boxes included)."""
    document = HTML(string=html).render()

    def walk(box, out: list[str]) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            out.append(text)
        for child in getattr(box, "children", None) or []:
            walk(child, out)

    pages = []
    for page in document.pages:
        out: list[str] = []
        walk(page._page_box, out)
        pages.append(" ".join(out))
    return pages


def _dashboard_json(client) -> dict:
    query = f"?from={PERIOD['from']}&to={PERIOD['to']}"
    return json.loads(client.get(reverse("kpis:json") + query).content)


def test_the_pdf_opens_with_page_numbers_units_and_the_dashboards_numbers(
    kpi_book, director, login, tmp_path: Path
):
    KpiTarget.objects.create(kpi="retention", date_from=FROM, date_to=TO, value=0.7)
    data = _dashboard_json(login(director))
    # when the PDF is written by the command line
    path = tmp_path / "kpis.pdf"
    assert main(["kpis", *CLI_PERIOD, "--format", "pdf", "--out", str(path)]) == 0
    content = path.read_bytes()
    # then it is a PDF
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    # and the HTML it is printed from lays out on numbered A4 pages
    pages = _texts(pdf_html(kpi_dashboard(user=None, date_from=FROM, date_to=TO)))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in text
    everything = " ".join(pages)
    # with the units in the headers
    assert "Revenue (amount)" in everything and "ROI (×)" in everything
    # and the dashboard's numbers, formatted as on the page
    for tile in data["tiles"]:
        assert figure(tile["value"], tile["kind"]) in everything, tile["kpi"]
    assert "66.7 %" in everything  # retention
    assert "at risk" in everything  # its target's status
    assert figure(data["key_figures"]["revenue"], "money") in everything
    assert data["summary"]["did_sentence"].split(":")[0] in everything.replace("\n", " ")


def test_the_pdf_tables_repeat_their_header_on_each_page(kpi_book, director):
    # given a report whose monthly table runs over several pages (a 10-year period)
    dashboard = kpi_dashboard(user=None, date_from=FROM.replace(year=2016), date_to=TO)
    pages = _texts(pdf_html(dashboard))
    with_months = [p for p in pages if "2019" in p or "2020" in p or "2021" in p]
    assert len(with_months) >= 2
    # then each page of the table starts with its header
    for text in with_months:
        assert "Key accounts (amount)" in text


def test_the_workbook_carries_the_dashboards_numbers(kpi_book, director, login):
    client = login(director)
    data = _dashboard_json(client)
    query = f"?from={PERIOD['from']}&to={PERIOD['to']}"
    # when the workbook is downloaded from the dashboard
    response = client.get(reverse("kpis:report", args=["xlsx"]) + query)
    assert response.status_code == 200
    assert 'filename="kpis-2025-01-01-2025-12-31.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    company = {row[0]: row[2] for row in book["company"].iter_rows(min_row=2, values_only=True)}
    # then each KPI's value is the dashboard's (undefined: an empty cell)
    for tile in data["tiles"]:
        expected = tile["value"]
        if expected is None:
            assert company[tile["kpi"]] is None
        else:
            assert company[tile["kpi"]] == pytest.approx(expected, rel=1e-4)
    kam_rows = list(book["kam"].iter_rows(values_only=True))
    header = kam_rows[0]
    kim = next(r for r in kam_rows[1:] if r[0] == "kim")
    assert kim[header.index("uplift_total")] == -150.0


def test_the_pdf_download_and_the_command_line_give_the_same_numbers(
    kpi_book, director, login, tmp_path: Path
):
    client = login(director)
    query = f"?from={PERIOD['from']}&to={PERIOD['to']}"
    response = client.get(reverse("kpis:report", args=["pdf"]) + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    xlsx = tmp_path / "kpis.xlsx"
    assert main(["kpis", *CLI_PERIOD, "--format", "xlsx", "--out", str(xlsx)]) == 0
    cli = {
        r[0]: r[2] for r in load_workbook(xlsx)["company"].iter_rows(min_row=2, values_only=True)
    }
    web = load_workbook(
        io.BytesIO(client.get(reverse("kpis:report", args=["xlsx"]) + query).content)
    )
    assert cli == {r[0]: r[2] for r in web["company"].iter_rows(min_row=2, values_only=True)}
    assert client.get(reverse("kpis:report", args=["doc"]) + query).status_code == 404


def test_a_kams_pdf_is_their_portfolio(kpi_book, kam_user, tmp_path: Path):
    path = tmp_path / "kim.pdf"
    assert main(["kpis", *CLI_PERIOD, "--format", "pdf", "--as", "kim", "--out", str(path)]) == 0
    assert path.read_bytes().startswith(b"%PDF-")
    pages = _texts(pdf_html(kpi_dashboard(user=kam_user, date_from=FROM, date_to=TO)))
    assert "Scope: the portfolio of kim." in " ".join(pages)
