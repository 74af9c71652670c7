"""The Pareto page and the portfolio matrix: company-level figures for every role, account
rows only for the accounts the user may see, bounded queries."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from kam.core.templatetags.kam_ui import as_percent
from kam.scoring.models import AccountScore
from tests.factories import AccountFactory, assign
from tests.web_scoring.conftest import Book, score_and_apply

pytestmark = pytest.mark.django_db

PARETO = reverse("scoring:pareto")
PORTFOLIO = reverse("scoring:portfolio")


def spec(html: str, element_id: str) -> dict:
    found = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, element_id
    return json.loads(found.group(1))


def table(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</table>", start)]


def test_pareto_shows_the_curve_the_top_20_share_and_the_classes(login, director, book: Book):
    # when the director opens the Pareto page
    html = login(director).get(PARETO).content.decode()
    stats = book.run.stats
    # then the share of the top 20 % is the one the run stored, the curve is drawn from
    # its points, with the 20 % marker and the A/B thresholds
    assert as_percent(stats["top20_share"]) in html
    chart = spec(html, "pareto-spec")
    curve = next(layer for layer in chart["layer"] if layer.get("mark", {}).get("type") == "area")
    values = (chart.get("data") or curve["data"])["values"]
    assert len(values) == len(stats["pareto"])
    assert (values[0]["accounts"], values[0]["revenue"]) == (0.0, 0.0)
    assert (values[-1]["accounts"], values[-1]["revenue"]) == (1.0, 1.0)
    text = json.dumps(chart, ensure_ascii=False)
    assert "Top 20 % of accounts" in text and "A ≤ 80 %" in text and "B ≤ 95 %" in text
    # and the ABC table: 1 account in A (Alpha, 1,500 of 2,600), 3 in C
    abc = table(html, "abc-table")
    assert re.search(r"abc-A\">A</span></a></th>\s*<td class=\"num\">1</td>", abc)
    assert re.search(r"abc-C\">C</span></a></th>\s*<td class=\"num\">3</td>", abc)
    assert "1,500" in abc and "1,100" in abc
    # and the table behind the curve
    assert "100.0 %" in table(html, "pareto-table")


def test_a_kam_sees_company_figures_but_only_their_accounts(login, kam_user, book: Book):
    html = login(kam_user).get(PARETO).content.decode()
    # the company-level counts (3 accounts in class C) ...
    assert re.search(
        r"abc-C\">C</span></a></th>\s*<td class=\"num\">3</td>", table(html, "abc-table")
    )
    assert "Revenue of your accounts" in html
    # ... but only kim's accounts by name
    top = table(html, "top-table")
    assert ">Alpha</a>" in top and ">Charlie</a>" in top
    assert "Bravo" not in top and "Delta" not in top


def test_pareto_and_portfolio_without_a_run(login, director, db):
    for url in (PARETO, PORTFOLIO):
        assert "No score run is in force yet" in login(director).get(url).content.decode()


def test_portfolio_draws_one_dot_per_visible_account_and_counts_the_quadrants(
    login, director, book: Book
):
    html = login(director).get(PORTFOLIO).content.decode()
    chart = spec(html, "portfolio-spec")
    dots = next(
        layer["data"]["values"]
        for layer in chart["layer"]
        if layer.get("mark", {}).get("type") == "circle"
    )
    assert sorted(d["name"] for d in dots) == ["Alpha", "Bravo", "Charlie", "Delta"]
    # the quadrant lines at 50 and the four names are drawn
    assert json.dumps(chart).count('"at": 50') >= 1
    quadrants = table(html, "quadrant-table")
    for label in ("Strategic", "Develop", "Maintain", "Opportunistic"):
        assert label in quadrants
    # the counts per quadrant are the run's
    for code in ("strategic", "develop", "maintain", "opportunistic"):
        count = AccountScore.objects.filter(run=book.run, quadrant=code).count()
        row = quadrants[quadrants.index(f"quadrant={code}") :]
        assert re.search(rf"<td class=\"num\">{count}</td>", row)


def test_portfolio_of_a_kam_has_only_their_accounts(login, kam_user, book: Book):
    html = login(kam_user).get(PORTFOLIO).content.decode()
    names = {
        d["name"]
        for layer in spec(html, "portfolio-spec")["layer"]
        if layer.get("mark", {}).get("type") == "circle"
        for d in layer["data"]["values"]
    }
    assert names == {"Alpha", "Charlie"}


@pytest.mark.parametrize("url", [PARETO, PORTFOLIO])
def test_queries_do_not_grow_with_accounts(
    login, director, kam_user, book, url, django_assert_max_num_queries
):
    for account in AccountFactory.create_batch(25):
        assign(account, kam_user)
    score_and_apply(book.scorecard)
    client = login(director)
    with django_assert_max_num_queries(9):
        assert client.get(url).status_code == 200
    client = login(kam_user)
    with django_assert_max_num_queries(11):
        assert client.get(url).status_code == 200
