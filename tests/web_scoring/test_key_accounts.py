"""The key-accounts list: default tier, filters, sorting, scoping per role, htmx, query
budget and the CSV and Excel exports."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AccountFactory, assign
from tests.web_scoring.conftest import Book, score_and_apply

pytestmark = pytest.mark.django_db

LIST = reverse("scoring:key_accounts")
CSV = reverse("scoring:key_accounts_csv")
XLSX = reverse("scoring:key_accounts_xlsx")


def names_in(html: str, *names: str) -> list[str]:
    return [name for name in names if f">{name}</a>" in html]


def test_the_list_shows_the_key_tier_by_default(login, director, book: Book):
    # when the director opens the list without a filter
    html = login(director).get(LIST).content.decode()
    # then only the key account (the best ranked) is listed, with its score, rank and class
    assert names_in(html, "Alpha", "Bravo", "Charlie", "Delta") == ["Alpha"]
    assert "1 account" in html
    assert ">100.0</span>" in html
    assert 'class="abc abc-A"' in html
    assert "kim" in html  # its lead manager


def test_all_tiers_best_rank_first(login, director, book: Book):
    html = login(director).get(LIST, {"tier": ""}).content.decode()
    found = names_in(html, "Alpha", "Bravo", "Charlie", "Delta")
    assert found == ["Alpha", "Bravo", "Charlie", "Delta"]
    positions = [html.index(f">{name}</a>") for name in found]
    assert positions == sorted(positions)
    assert "4 accounts" in html


@pytest.mark.parametrize("role_fixture", ["director", "analyst", "marketing"])
def test_roles_that_see_every_account_see_every_score(request, login, role_fixture, book: Book):
    user = request.getfixturevalue(role_fixture)
    html = login(user).get(LIST, {"tier": ""}).content.decode()
    assert names_in(html, "Alpha", "Bravo", "Charlie", "Delta") == [
        "Alpha",
        "Bravo",
        "Charlie",
        "Delta",
    ]


def test_a_kam_sees_only_their_accounts(login, kam_user, book: Book):
    # given kim leads Alpha and Charlie, otto leads Bravo
    # when kim lists every tier
    html = login(kam_user).get(LIST, {"tier": ""}).content.decode()
    # then only Alpha and Charlie are there
    assert names_in(html, "Alpha", "Bravo", "Charlie", "Delta") == ["Alpha", "Charlie"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"tier": "strategic"}, ["Bravo", "Charlie"]),
        ({"tier": "standard"}, ["Delta"]),
        ({"tier": "", "abc": "A"}, ["Alpha"]),
        ({"tier": "", "abc": "C"}, ["Bravo", "Charlie", "Delta"]),
        ({"tier": "", "sector": "retail"}, ["Alpha", "Charlie"]),
        ({"tier": "", "q": "arl"}, ["Charlie"]),
        ({"tier": "", "q": "D"}, ["Delta"]),  # external id
    ],
)
def test_filters_and_search(login, director, book: Book, query, expected):
    html = login(director).get(LIST, query).content.decode()
    assert names_in(html, "Alpha", "Bravo", "Charlie", "Delta") == expected


def test_filter_on_the_lead_manager(login, director, other_kam, book: Book):
    html = login(director).get(LIST, {"tier": "", "manager": other_kam.pk}).content.decode()
    assert names_in(html, "Alpha", "Bravo", "Charlie", "Delta") == ["Bravo"]
    # and the managers who lead scored accounts are offered
    assert f'<option value="{other_kam.pk}" selected>otto</option>' in html


def test_filter_on_the_portfolio_quadrant(login, director, book: Book):
    quadrant = book.run.scores.get(account=book.bravo).quadrant
    same = set(book.run.scores.filter(quadrant=quadrant).values_list("account__name", flat=True))
    html = login(director).get(LIST, {"tier": "", "quadrant": quadrant}).content.decode()
    assert set(names_in(html, "Alpha", "Bravo", "Charlie", "Delta")) == same


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("score", ["Alpha", "Bravo", "Charlie", "Delta"]),  # best first
        ("-score", ["Delta", "Charlie", "Bravo", "Alpha"]),
        ("revenue", ["Alpha", "Bravo", "Charlie", "Delta"]),
        ("-rank", ["Delta", "Charlie", "Bravo", "Alpha"]),
        ("name", ["Alpha", "Bravo", "Charlie", "Delta"]),
        # growth: Charlie fell 67 %, the others have none to compare: they come last
        ("growth", ["Charlie", "Alpha", "Bravo", "Delta"]),
    ],
)
def test_sorting(login, director, book: Book, ordering, expected):
    html = login(director).get(LIST, {"tier": "", "ordering": ordering}).content.decode()
    positions = {name: html.index(f">{name}</a>") for name in expected}
    assert sorted(expected, key=positions.__getitem__) == expected


def test_an_overridden_tier_is_marked(login, director, book: Book):
    from kam.scoring.services import tier_override_set

    tier_override_set(account=book.delta, tier="key", reason="strategic partner", user=director)
    html = login(director).get(LIST).content.decode()
    assert names_in(html, "Alpha", "Delta") == ["Alpha", "Delta"]
    assert html.count('class="overridden"') == 1
    assert "Set by hand; the scorecard gives Standard" in html


def test_an_invalid_filter_is_reported_not_a_crash(login, director, book: Book):
    response = login(director).get(LIST, {"abc": "Z"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_without_a_run_in_force_the_page_says_how_to_get_one(login, director, db):
    AccountFactory(name="Unscored")
    html = login(director).get(LIST).content.decode()
    assert "No score run is in force yet" in html
    assert reverse("scoring:runs") in html  # the director may score


def test_a_past_run_can_be_listed(login, director, book: Book):
    # given a second run in force in which Delta, bought since, leads
    from tests.web_scoring.conftest import sell

    day = book.run.as_of.replace(day=1)
    sell(("D", "O9", day, 99999.0), ("D", "O10", day, 1.0))
    score_and_apply(book.scorecard)
    client = login(director)
    assert names_in(client.get(LIST).content.decode(), "Alpha", "Delta") == ["Delta"]
    # when the first run is asked for
    html = client.get(LIST, {"run": book.run.pk}).content.decode()
    # then its key accounts are shown, and the page says it is a past run
    assert names_in(html, "Alpha", "Delta") == ["Alpha"]
    assert "Past run" in html


def test_htmx_request_gets_only_the_table(login, director, book: Book):
    response = login(director).get(LIST, {"q": "alp"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.startswith('<div id="key-account-table"')
    assert "<html" not in html and 'id="key-account-filter"' not in html
    assert ">Alpha</a>" in html
    assert "HX-Request" in response["Vary"]


def test_hostile_account_name_is_escaped(login, director, book: Book):
    book.alpha.name = "<script>alert(1)</script>"
    book.alpha.save()
    html = login(director).get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _count(client, url: str, query: dict, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, query, **headers).status_code == 200
    return len(queries)


@pytest.mark.parametrize("htmx", [False, True])
def test_query_count_does_not_grow_with_rows(login, director, kam_user, book: Book, htmx):
    # given the four scored accounts
    client = login(director)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    few = _count(client, LIST, {"tier": ""}, **headers)
    # when 26 more accounts, led by kim, are scored in a new run
    for account in AccountFactory.create_batch(26, sector="Retail"):
        assign(account, kam_user)
    score_and_apply(book.scorecard)
    # then the page costs the same number of queries, within budget
    assert _count(client, LIST, {"tier": ""}, **headers) == few
    assert few <= 10


def test_query_budget_for_a_kam(login, kam_user, book: Book, django_assert_max_num_queries):
    for account in AccountFactory.create_batch(20):
        assign(account, kam_user)
    score_and_apply(book.scorecard)
    client = login(kam_user)
    with django_assert_max_num_queries(12):
        assert client.get(LIST, {"tier": ""}).status_code == 200


# -- exports -------------------------------------------------------------------------------


def _csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_csv_export_has_the_filtered_rows(login, director, book: Book):
    response = login(director).get(CSV, {"tier": "strategic"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="key-accounts-2026-06-15.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert [r["name"] for r in rows] == ["Bravo", "Charlie"]
    bravo = rows[0]
    assert bravo["external_id"] == "B" and bravo["rank"] == "2" and bravo["abc"] == "C"
    assert float(bravo["score"]) == pytest.approx(60.0)
    assert bravo["tier"] == "strategic" and bravo["tier_overridden"] == "no"
    assert float(bravo["revenue_12m"]) == 1000.0
    assert bravo["lead_manager"] == "otto"
    assert float(rows[1]["growth"]) == pytest.approx(-2 / 3, abs=1e-6)


def test_csv_export_defaults_to_the_key_tier_and_is_scoped(login, kam_user, book: Book):
    assert [r["name"] for r in _csv(login(kam_user).get(CSV))] == ["Alpha"]
    names = [r["name"] for r in _csv(login(kam_user).get(CSV, {"tier": ""}))]
    assert names == ["Alpha", "Charlie"]


def test_csv_export_neutralises_spreadsheet_formulas(login, director, book: Book):
    book.alpha.name = '=HYPERLINK("http://evil.example","x")'
    book.alpha.save()
    rows = _csv(login(director).get(CSV))
    assert rows[0]["name"].startswith("'=")


def test_list_links_the_exports_with_the_same_filters(login, director, book: Book):
    html = login(director).get(LIST, {"abc": "C", "page": "1"}).content.decode()
    assert f'href="{CSV}?abc=C&amp;tier=key"' in html
    assert f'href="{XLSX}?abc=C&amp;tier=key"' in html


def test_excel_export_has_the_rows_as_numbers_and_text(login, director, book: Book):
    # given an account whose name looks like a formula
    book.bravo.name = "=1+1"
    book.bravo.save()
    # when the director downloads every tier as Excel
    response = login(director).get(XLSX, {"tier": ""})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    # then every account is a row, numbers are numbers, and the name stayed text
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["external_id"] for r in records] == ["A", "B", "C", "D"]
    assert records[0]["score"] == pytest.approx(100.0) and records[0]["rank"] == 1
    assert records[0]["revenue_12m"] == 1500.0
    assert records[1]["name"] == "=1+1"
    assert sheet.cell(row=3, column=header.index("name") + 1).data_type == "s"


@pytest.mark.parametrize("role_fixture", ["director", "kam_user", "analyst", "marketing"])
def test_the_navigation_leads_to_the_scoring_pages(request, login, role_fixture, book: Book):
    html = login(request.getfixturevalue(role_fixture)).get(LIST).content.decode()
    nav = html[html.index('class="main-nav"') : html.index("</nav>")]
    assert f'<a href="{LIST}" aria-current="page">Key accounts</a>' in nav
    assert f'href="{reverse("scoring:scorecards")}">Scorecards</a>' in nav
    for url in ("scoring:pareto", "scoring:portfolio", "scoring:runs"):
        assert f'href="{reverse(url)}"' in html  # the scoring section's tabs
