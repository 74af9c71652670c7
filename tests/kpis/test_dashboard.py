"""The KPI dashboards: company, per KAM, per account; their cache; their CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from kam.kpis.dashboard import cache_key, kpi_dashboard
from kam.kpis.models import KpiTarget
from tests.kpis.conftest import FROM, PERIOD, TO, activity
from tests.scoring.conftest import sell

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _url(name: str, *args, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {**PERIOD, **params}.items())
    return f"{reverse(name, args=args)}?{query}"


def test_the_company_dashboard_shows_tiles_trend_target_and_charts(kpi_book, director, login):
    # given a company target for P on retention, met by 2 of 3 key accounts (66.7 %)
    KpiTarget.objects.create(kpi="retention", date_from=FROM, date_to=TO, value=0.7)
    client = login(director)
    # when the director opens the dashboard for 2025
    response = client.get(_url("kpis:dashboard"))
    # then every KPI has a tile, retention at risk (short by less than 10 %)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="kpi" data-kpi=') == 11
    tiles = {t.kpi: t for t in response.context["tiles"]}
    assert tiles["retention"].value == pytest.approx(2 / 3)
    assert tiles["retention"].status == "at_risk"
    assert "at risk" in html
    # the trend compares with P' (2024): no key-account list then, so undefined
    assert tiles["retention"].previous is None and tiles["retention"].change is None
    # the charts are there with their tables, and the DiD sentence
    for element in ("kpi-monthly-spec", "kpi-cohort-spec", "monthly-table", 'id="did"'):
        assert element in html
    assert response.context["did_sentence"].startswith("The 3 key accounts")
    # the nav shows KPIs as the current section
    assert 'aria-current="page">KPIs</a>' in html


def test_monthly_revenue_of_key_and_other_accounts_is_one_row_per_month(kpi_book, director):
    dashboard = kpi_dashboard(user=director, date_from=FROM, date_to=TO)
    rows = {r["month"]: r for r in dashboard.monthly_rows()}
    # P' starts 2024-01-01 (365 days before 2025-01-01): 24 months
    assert len(rows) == 24
    # K1 bought 100 in June 2025 and K2 nothing; N1 100 in May 2025
    assert rows[date(2025, 6, 1)]["key_revenue"] == 100.0
    assert rows[date(2025, 6, 1)]["key_accounts_buying"] == 1
    assert rows[date(2025, 5, 1)]["other_revenue"] == 100.0
    assert rows[date(2025, 4, 1)]["other_revenue"] == -20.0  # N3's return
    # the key revenue of P over the months is the summary's
    in_p = sum(r["key_revenue"] for r in rows.values() if r["in_period"])
    assert in_p == dashboard.view.summary.key_revenue == 190.0
    total = sum(r["key_revenue"] + r["other_revenue"] for r in rows.values() if r["in_period"])
    assert total == dashboard.view.summary.revenue


def test_group_tabs_show_kam_channel_and_account_tables(kpi_book, director, login):
    client = login(director)
    kam = client.get(_url("kpis:dashboard", group="kam")).content.decode()
    assert "(no lead)" in kam and "kim" in kam
    channel = client.get(_url("kpis:dashboard", group="channel")).content.decode()
    assert "Visit" in channel
    account = client.get(_url("kpis:dashboard", group="account"))
    assert [row[0][0] for row in account.context["table"]] == ["K1", "K3", "K2"]


def test_a_kam_lands_on_their_portfolio_and_cannot_read_another(kpi_book, kam_user, login):
    client = login(kam_user)
    response = client.get(_url("kpis:kam"))
    assert response.status_code == 200
    assert response.context["view"].scope == "portfolio"
    assert response.context["view"].summary.accounts == 2
    # another KAM's portfolio is refused
    assert client.get(_url("kpis:kam", kam=kpi_book.otto.username)).status_code == 403


def test_a_director_picks_a_kam(kpi_book, director, login):
    client = login(director)
    picker = client.get(reverse("kpis:kam"))
    assert "kim" in picker.content.decode()
    response = client.get(_url("kpis:kam", kam="kim"))
    assert response.context["dashboard"].scope == "portfolio:kim"
    assert response.context["view"].summary.revenue == 150.0
    assert client.get(_url("kpis:kam", kam="nobody")).status_code == 404


def test_a_bad_period_is_named_and_the_default_shown(kpi_book, director, login):
    client = login(director)
    response = client.get(reverse("kpis:dashboard") + "?from=2025-13-01&to=2025-12-31")
    assert response.status_code == 200
    assert "from: not a date (YYYY-MM-DD): 2025-13-01" in response.content.decode()
    backwards = client.get(reverse("kpis:dashboard") + "?from=2025-12-31&to=2025-01-01")
    assert "The period ends (2025-01-01) before it starts (2025-12-31)." in (
        backwards.content.decode()
    )
    assert client.get(reverse("kpis:json") + "?from=x").status_code == 400


def test_each_chart_has_a_csv(kpi_book, director, login):
    client = login(director)
    monthly = client.get(_url("kpis:csv", "monthly"))
    assert monthly["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(monthly.content.decode())))
    june = next(r for r in rows if r["month"] == "2025-06-01")
    assert float(june["key_revenue"]) == 100.0
    company = list(
        csv.DictReader(io.StringIO(client.get(_url("kpis:csv", "company")).content.decode()))
    )
    assert {r["kpi"] for r in company} >= {"retention", "roi", "did"}
    channel = client.get(_url("kpis:csv", "channel")).content.decode()
    assert "visit" in channel
    assert client.get(_url("kpis:csv", "nothing")).status_code == 404


def test_the_json_has_the_figures_of_the_page(kpi_book, director, login):
    data = json.loads(login(director).get(_url("kpis:json")).content)
    assert data["key_figures"]["revenue"] == 650.0
    assert data["key_figures"]["retention"] == pytest.approx(2 / 3)
    assert len(data["monthly"]) == 24
    assert len(data["tiles"]) == 11


def test_the_cache_key_changes_when_the_data_change(kpi_book, director):
    from kam.domain.kpis import Period

    period = Period(FROM, TO)
    first, _ = cache_key("company", period)
    assert cache_key("company", period)[0] == first  # stable
    # a new activity
    activity(kpi_book.accounts["K3"], "visit", date(2025, 5, 5), "10.00")
    second, _ = cache_key("company", period)
    assert second != first
    # new sales (a committed import batch)
    sell(("K3", "O99", date(2025, 8, 1), 10.0))
    third, _ = cache_key("company", period)
    assert third != second
    # an account edited
    account = kpi_book.accounts["N2"]
    account.name = "Renamed"
    account.save()
    fourth, _ = cache_key("company", period)
    assert fourth != third
    # a target set
    KpiTarget.objects.create(kpi="roi", date_from=FROM, date_to=TO, value=1.0)
    fifth, _ = cache_key("company", period)
    assert fifth != fourth
    # a KAM joins another's team (her portfolio grows)
    profile = kpi_book.otto.manager_profile
    profile.reports_to = kpi_book.kim
    profile.save()
    assert cache_key("company", period)[0] != fifth
    # another scope or period: another key
    assert cache_key("portfolio:kim", period)[0] != cache_key("company", period)[0]
    assert (
        cache_key("company", Period(FROM, date(2025, 6, 30)))[0] != cache_key("company", period)[0]
    )


def test_a_cached_dashboard_is_served_until_the_data_change(kpi_book, director):
    first = kpi_dashboard(user=director, date_from=FROM, date_to=TO)
    again = kpi_dashboard(user=director, date_from=FROM, date_to=TO)
    assert again.computed_at == first.computed_at  # from the cache
    sell(("K3", "O99", date(2025, 8, 1), 10.0))
    fresh = kpi_dashboard(user=director, date_from=FROM, date_to=TO)
    assert fresh.computed_at != first.computed_at
    assert fresh.view.summary.revenue == 660.0


def test_the_cached_dashboard_page_answers_fast_in_few_queries(
    kpi_book, director, login, django_assert_max_num_queries
):
    client = login(director)
    client.get(_url("kpis:dashboard"))  # computes and caches
    with django_assert_max_num_queries(20):
        response = client.get(_url("kpis:dashboard"))
    assert response.status_code == 200
    # the best of three (the machine may be busy with other work)
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        client.get(_url("kpis:dashboard"))
        seconds.append(time.perf_counter() - started)
    assert min(seconds) < 0.3


def test_the_account_kpi_block(kpi_book, director, kam_user, login):
    client = login(director)
    # the account page includes the block (loaded by htmx)
    page = client.get(reverse("accounts:detail", args=["K1"])).content.decode()
    assert reverse("kpis:account", args=["K1"]) in page
    block = client.get(_url("kpis:account", "K1"), HTTP_HX_REQUEST="true")
    figures = block.context["figures"]
    assert figures.key_at_start is True and figures.key_at_end is True
    # K1: 150 in P against 100 in P', 6 activities costing 80: ROI (50 − 80) / 80
    assert (figures.row["revenue"], figures.row["revenue_previous"]) == (150.0, 100.0)
    assert figures.row["roi"] == pytest.approx(-30 / 80)
    assert "<html" not in block.content.decode()
    # a non-key account: no activity, ROI undefined and shown as such
    n2 = client.get(_url("kpis:account", "N2"))
    assert n2.context["figures"].key_at_start is False
    assert n2.context["figures"].row["roi"] is None
    assert "no cost in the period" in n2.content.decode()
    # a KAM cannot read an account outside their portfolio
    assert login(kam_user).get(_url("kpis:account", "N2")).status_code == 404


def test_the_account_block_reads_in_a_fixed_number_of_queries(
    kpi_book, director, login, django_assert_max_num_queries
):
    client = login(director)
    client.get(_url("kpis:account", "K1"), HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(15):
        response = client.get(_url("kpis:account", "K1"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_analysts_see_the_company_and_may_pick_a_kam(kpi_book, analyst, login):
    client = login(analyst)
    assert client.get(_url("kpis:dashboard")).context["view"].scope == "company"
    picked = client.get(_url("kpis:dashboard", kam="kim"))
    assert picked.context["dashboard"].scope == "portfolio:kim"
    assert "KPIs of kim" in picked.content.decode()
