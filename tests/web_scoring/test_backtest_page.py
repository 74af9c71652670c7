"""The backtest page: the key accounts of a past date against the others, afterwards."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.scoring.models import ScoreRun

pytestmark = pytest.mark.django_db

URL = reverse("scoring:backtest")


def test_the_backtest_compares_the_key_cohort_with_the_others(login, director, book):
    # given the book: as of 15 June 2025 only Charlie had bought (300), so Charlie is key;
    # it bought 100 in the year after, the others 2,500 from nothing
    runs_before = ScoreRun.objects.count()
    # when a director backtests that date with the simple scorecard
    response = login(director).get(URL, {"as_of": "2025-06-15", "scorecard": book.scorecard.pk})
    # then the table shows both cohorts with their figures, and nothing is stored
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('id="backtest-table"') :]
    key_row = table[table.index("Key accounts of that date") : table.index("All the other")]
    assert ">1<" in key_row and ">300<" in key_row and ">100<" in key_row
    assert "-66.7 %" in key_row and "100.0 %" in key_row
    others_row = table[table.index("All the other accounts") :]
    assert ">3<" in others_row and "2,500" in others_row
    assert ScoreRun.objects.count() == runs_before


def test_a_date_less_than_a_year_ago_is_refused_next_to_the_field(login, director, book):
    response = login(director).get(URL, {"as_of": "2099-01-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Must be at least a year ago" in html
    assert 'id="backtest-table"' not in html


def test_without_a_date_the_page_only_shows_the_form(login, analyst, book):
    response = login(analyst).get(URL)
    assert response.status_code == 200
    assert 'id="backtest-table"' not in response.content.decode()


def test_a_kam_may_not_backtest(login, kam_user, book):
    assert login(kam_user).get(URL, {"as_of": "2025-06-15"}).status_code == 403


def test_the_subnav_offers_the_backtest_only_to_who_may_run_it(login, director, kam_user, book):
    page = reverse("scoring:key_accounts")
    assert URL in login(director).get(page).content.decode()
    assert URL not in login(kam_user).get(page).content.decode()
